"""Switchboard's serving metrics in Ray's metrics system (`components.http.metrics.MetricMirror`).

Each node's Ray metrics agent exports what every replica on it recorded, as `ray_switchboard_*` tagged
with the deployment, replica and application, on Ray's metrics port (8080 on the cluster, which
infra/networkpolicy.yaml opens to Prometheus). That is the scrape that sees every ingress replica; an
ingress's own /metrics answers for itself alone. Ray exports on its report interval (10 s) and, for a
histogram's sum, counts each observation at its bucket's midpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ray.serve import metrics

from components.http import MetricSpec

__all__ = ["RayMetricMirror"]


@dataclass(frozen=True)
class _Recorder:
    record: Callable[[float, dict[str, str]], None]


class RayMetricMirror:
    def create(self, spec: MetricSpec) -> _Recorder:
        if spec.kind == "histogram":
            return _Recorder(metrics.Histogram(spec.name, spec.documentation, boundaries=list(spec.buckets),
                                               tag_keys=spec.labels).observe)
        if spec.kind == "gauge":
            return _Recorder(metrics.Gauge(spec.name, spec.documentation, tag_keys=spec.labels).set)
        counter = metrics.Counter(spec.name, spec.documentation, tag_keys=spec.labels)

        def increment(amount: float, tags: dict[str, str]) -> None:
            if amount > 0:  # Ray refuses a zero increment, which Prometheus allows
                counter.inc(amount, tags)

        return _Recorder(increment)
