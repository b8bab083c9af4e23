"""The serving process's Prometheus metrics, and a mirror that records them where every replica's are seen.

`/metrics` answers from the process's own registry. With several ingress replicas behind a load balancer,
each scrape of it reaches one replica at random, and its counters jump between replicas' values. A
`MetricMirror` (in Ray Serve, serve/metrics.py: Ray's metrics agent on each node) records every update a
second time, tagged with the replica, where one scrape sees them all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal, NamedTuple, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from components.pipeline.events import Event

__all__ = ["METRICS", "MetricMirror", "MetricSpec", "Metrics", "MirroredMetric"]

log = logging.getLogger(__name__)

_MS_BUCKETS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000)


class MetricSpec(NamedTuple):
    kind: Literal["counter", "gauge", "histogram"]
    name: str
    documentation: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


# Attribute of Metrics -> what it is. Counters are exported with Prometheus's `_total` suffix.
METRICS = {
    "requests": MetricSpec("counter", "switchboard_requests", "Requests by endpoint and status.",
                           ("endpoint", "status")),
    "in_flight": MetricSpec("gauge", "switchboard_turns_in_flight", "Turns being streamed now."),
    "turns": MetricSpec("counter", "switchboard_turns", "Finished turns by agent and outcome.", ("agent", "outcome")),
    "ttft": MetricSpec("histogram", "switchboard_ttft_ms", "Time to first token seen by the member.",
                       buckets=_MS_BUCKETS),
    "tbt": MetricSpec("histogram", "switchboard_tbt_ms", "Mean time between tokens of a turn.",
                      buckets=(1, 2, 5, 10, 20, 40, 80, 160, 320)),
    "stage": MetricSpec("histogram", "switchboard_stage_ms", "Time from turn start to the end of each stage.",
                        ("stage",), _MS_BUCKETS),
    "fallbacks": MetricSpec("counter", "switchboard_fallbacks", "Turns degraded to the extractive answer."),
    "default_plans": MetricSpec("counter", "switchboard_default_plans", "Turns that ran the agent's default plan."),
    "trust": MetricSpec("counter", "switchboard_trust_actions", "Trust actions by action and category.",
                        ("action", "category")),
    "repairs": MetricSpec("counter", "switchboard_parse_repairs", "Plan repairs applied, by repair.", ("repair",)),
    "skills": MetricSpec("counter", "switchboard_skill_calls", "Skill calls by skill and status.", ("skill", "status")),
    "version_failures": MetricSpec("gauge", "switchboard_version_load_failures",
                                   "MLflow alias resolutions or version loads that failed (the old versions kept "
                                   "serving)."),
    "serving": MetricSpec("gauge", "switchboard_serving_version", "The versions serving now (1 per item).",
                          ("item", "version")),
}


class MirroredMetric(Protocol):
    def record(self, value: float, tags: dict[str, str]) -> None:
        """A counter's increment, a gauge's new value or a histogram's observation, for one set of labels."""


class MetricMirror(Protocol):
    def create(self, spec: MetricSpec) -> MirroredMetric: ...


class Metrics:
    """One registry per serving process (what /metrics answers), each update also recorded by `mirror`."""

    def __init__(self, mirror: MetricMirror | None = None) -> None:
        self.registry = CollectorRegistry()
        self._versions: set[tuple[str, str]] = set()
        for attribute, spec in METRICS.items():
            local = _create(spec, self.registry)
            setattr(self, attribute, local if mirror is None else _Mirrored(local, mirror.create(spec), spec.labels))

    def observe_versions(self, ready: dict[str, str]) -> None:
        """Sets the version gauges from a TurnService.ready() answer (at each scrape, and in follow_versions)."""
        self.version_failures.set(float(ready.get("registry.load_failures", 0)))
        serving = {(item, version) for item, version in ready.items() if not item.startswith(("registry.", "shadow."))}
        for gone in self._versions - serving:
            self.serving.remove(*gone)
        for labels in serving:
            self.serving.labels(*labels).set(1)
        self._versions = serving

    async def follow_versions(self, ready: Callable[[], Awaitable[dict[str, str]]], interval_s: float) -> None:
        """Keeps the version gauges current between scrapes of /metrics (for a mirror's collector), until
        cancelled; a failed `ready` is logged and tried again at the next interval."""
        while True:
            try:
                self.observe_versions(await ready())
            except Exception as exc:  # noqa: BLE001 - a gauge refresh must never end the loop
                log.warning("could not refresh the version gauges: %s", exc)
            await asyncio.sleep(interval_s)

    def observe(self, event: Event, agent: str) -> None:
        data = event.payload()
        if event.name == "plan":
            for repair in data["repairs"]:
                self.repairs.labels(repair).inc()
            if data["source"] == "default":
                self.default_plans.inc()
        elif event.name == "skill" and data["status"] != "started":
            self.skills.labels(data["name"], data["status"]).inc()
        elif event.name == "trust":
            self.trust.labels(data["action"], data["category"] or "").inc()
        elif event.name == "done":
            timings = data["timings"]
            if timings["ttft_ms"] is not None:
                self.ttft.observe(timings["ttft_ms"])
            if "tbt_ms" in timings["stages"]:
                self.tbt.observe(timings["stages"]["tbt_ms"])
            for stage, value in timings["stages"].items():
                if stage.endswith("_ms") and stage != "tbt_ms":
                    self.stage.labels(stage[:-3]).observe(value)
            if data["degraded"]:
                self.fallbacks.inc()
            self.turns.labels(agent, "done").inc()
        elif event.name == "error":
            self.turns.labels(agent, f"error:{data['code']}").inc()


def _create(spec: MetricSpec, registry: CollectorRegistry) -> Counter | Gauge | Histogram:
    if spec.kind == "histogram":
        return Histogram(spec.name, spec.documentation, spec.labels, buckets=spec.buckets, registry=registry)
    kind = Counter if spec.kind == "counter" else Gauge
    return kind(spec.name, spec.documentation, spec.labels, registry=registry)


class _Mirrored:
    """A prometheus_client metric, or one labelled child of it, whose updates the mirror records too.

    A mirror cannot drop a label set, so `remove` records 0 there: a version that stopped serving reads 0
    instead of keeping its 1.
    """

    def __init__(self, local, remote: MirroredMetric, label_names: tuple[str, ...],
                 tags: dict[str, str] | None = None) -> None:
        self._local, self._remote, self._label_names, self._tags = local, remote, label_names, tags or {}

    def _tags_of(self, values: tuple[str, ...]) -> dict[str, str]:
        return dict(zip(self._label_names, values, strict=True))

    def labels(self, *values: str) -> _Mirrored:
        return _Mirrored(self._local.labels(*values), self._remote, self._label_names, self._tags_of(values))

    def remove(self, *values: str) -> None:
        self._local.remove(*values)
        self._remote.record(0, self._tags_of(values))

    def inc(self, amount: float = 1) -> None:
        self._local.inc(amount)
        self._remote.record(amount, self._tags)

    def set(self, value: float) -> None:
        self._local.set(value)
        self._remote.record(value, self._tags)

    def observe(self, value: float) -> None:
        self._local.observe(value)
        self._remote.record(value, self._tags)
