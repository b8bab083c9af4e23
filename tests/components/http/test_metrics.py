"""Serving metrics: the process's registry, and a mirror that sees every update with its labels."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import generate_latest

from components.http import Metrics, MetricSpec
from components.http.metrics import METRICS
from components.pipeline import Event
from components.pipeline.events import DoneData, Timings


class _RecordingMirror:
    """Keeps what a collector would: each metric's records, by name."""

    def __init__(self) -> None:
        self.specs: dict[str, MetricSpec] = {}
        self.records: dict[str, list[tuple[float, dict[str, str]]]] = {}

    def create(self, spec: MetricSpec):
        self.specs[spec.name] = spec
        records = self.records.setdefault(spec.name, [])

        class Recorder:
            @staticmethod
            def record(value: float, tags: dict[str, str]) -> None:
                records.append((value, dict(tags)))

        return Recorder()


def _done(degraded: str | None = None) -> Event:
    timings = Timings(ttft_ms=120.0, total_ms=900.0, stages={"route_ms": 3.0, "tbt_ms": 12.0})
    return Event("done", DoneData(conversation_id="c", turn_id="t", answer="a", versions={}, degraded=degraded,
                                  timings=timings))


def test_every_metric_is_mirrored_with_its_definition():
    mirror = _RecordingMirror()
    Metrics(mirror=mirror)
    assert mirror.specs == {spec.name: spec for spec in METRICS.values()}


def test_updates_reach_the_registry_and_the_mirror_with_their_labels():
    mirror = _RecordingMirror()
    metrics = Metrics(mirror=mirror)
    metrics.observe(_done(degraded="generator_unavailable"), "job_assessment")
    metrics.requests.labels("/v1/assist", "200").inc()
    metrics.in_flight.set(2)

    assert mirror.records["switchboard_turns"] == [(1, {"agent": "job_assessment", "outcome": "done"})]
    assert mirror.records["switchboard_fallbacks"] == [(1, {})]
    assert mirror.records["switchboard_ttft_ms"] == [(120.0, {})]
    assert mirror.records["switchboard_tbt_ms"] == [(12.0, {})]
    assert mirror.records["switchboard_stage_ms"] == [(3.0, {"stage": "route"})]
    assert mirror.records["switchboard_requests"] == [(1, {"endpoint": "/v1/assist", "status": "200"})]
    assert mirror.records["switchboard_turns_in_flight"] == [(2, {})]
    local = generate_latest(metrics.registry).decode()
    assert 'switchboard_turns_total{agent="job_assessment",outcome="done"} 1.0' in local
    assert 'switchboard_stage_ms_count{stage="route"} 1.0' in local
    assert "switchboard_turns_in_flight 2.0" in local


def test_a_version_that_stops_serving_leaves_the_registry_and_reads_zero_in_the_mirror():
    mirror = _RecordingMirror()
    metrics = Metrics(mirror=mirror)
    metrics.observe_versions({"router": "3", "prompts": "7", "registry.load_failures": "0"})
    metrics.observe_versions({"router": "4", "prompts": "7", "registry.load_failures": "1"})

    local = generate_latest(metrics.registry).decode()
    assert 'switchboard_serving_version{item="router",version="4"} 1.0' in local
    assert 'version="3"' not in local and "switchboard_version_load_failures 1.0" in local
    last = {tuple(tags.values()): value for value, tags in mirror.records["switchboard_serving_version"]}
    assert last == {("router", "3"): 0, ("router", "4"): 1, ("prompts", "7"): 1}


def test_without_a_mirror_the_registry_alone_counts():
    metrics = Metrics()
    metrics.observe(_done(), "career_advice")
    assert 'switchboard_turns_total{agent="career_advice",outcome="done"} 1.0' in generate_latest(
        metrics.registry).decode()


async def test_follow_versions_refreshes_the_gauges_and_outlives_a_failed_answer():
    metrics, answers = Metrics(), [RuntimeError("agent restarting"), {"router": "5"}]

    async def ready() -> dict[str, str]:
        answer = answers.pop(0) if answers else {"router": "5"}
        if isinstance(answer, Exception):
            raise answer
        return answer

    follower = asyncio.create_task(metrics.follow_versions(ready, interval_s=0.01))
    try:
        for _ in range(200):
            if 'item="router",version="5"' in generate_latest(metrics.registry).decode():
                break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the version gauges never followed")
    finally:
        follower.cancel()
