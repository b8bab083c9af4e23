"""A finished turn as a trace: a root span for the turn and a span per stage, from what the turn recorded.

Built after the turn from its state (the stage marks, each skill's result and end, the examples, the
versions), not with spans opened while it runs: the request path pays a few microseconds to copy what it
already has, and the export happens elsewhere (`exporter.py`). The stages are the pipeline's marks, in
milliseconds from the turn's start: route, plan (first token to last), each skill call (from its end and its
latency), retrieval, and generation (to the last token, with the output trust checks on the way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a type only: tracing imports nothing of the pipeline at run time
    from components.pipeline.turn import TurnState

__all__ = ["SpanSpec", "TurnTrace", "turn_trace"]

_MAX_TEXT = 4_000  # characters of a plan or an answer kept on a span; the log keeps the whole


@dataclass(frozen=True)
class SpanSpec:
    name: str
    span_type: str  # MLflow's span types: CHAIN, LLM, TOOL, RETRIEVER, PARSER
    start_ms: float
    end_ms: float
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    ok: bool = True


@dataclass(frozen=True)
class TurnTrace:
    turn_id: str
    conversation_id: str
    member_id: str | None
    started_ns: int  # wall clock, for the trace's timestamps
    total_ms: float
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    tags: dict[str, str]
    prompts: list[tuple[str, int]]  # (prompt name, version) that served the turn
    spans: list[SpanSpec]
    ok: bool


def _text(value: str) -> str:
    return value if len(value) <= _MAX_TEXT else value[:_MAX_TEXT] + " [...]"


def _prompts(versions: dict[str, str]) -> list[tuple[str, int]]:
    """'a.generator@v3,b.planner@v1' (the turn's versions) -> [('a.generator', 3), ('b.planner', 1)]."""
    served = []
    for item in filter(None, versions.get("prompts", "").split(",")):
        name, _, version = item.partition("@v")
        if version.isdigit():
            served.append((name, int(version)))
    return served


def turn_trace(state: TurnState) -> TurnTrace:
    """The trace of a sealed turn (its timings and versions set)."""
    stages, request, total = state.stages, state.request, state.timings.total_ms
    route_end = stages.get("route_ms", 0.0)
    spans = [SpanSpec("route", "CHAIN", 0.0, route_end, inputs={"query": request.query,
                                                              "context_type": request.context.type},
                      outputs={"agent": state.agent, "confidence": state.confidence, "in_scope": state.in_scope},
                      attributes={"router": state.versions.get("router", state.router_version),
                                  "previous_agent": state.previous_agent or "", "forced": bool(state.forced_agent)})]
    if "plan_started_ms" in stages:
        spans.append(SpanSpec("plan", "LLM", stages["plan_started_ms"], stages.get("plan_ms", route_end),
                              outputs={"plan": _text(state.plan_text)},
                              attributes={"source": state.plan_source, "repairs": list(state.plan_repairs),
                                          "planner": state.versions.get("planner", "")}))
    for result, ended in zip(state.results, state.skill_ended_ms, strict=False):
        spans.append(SpanSpec(f"skill {result.skill}", "TOOL", max(0.0, ended - result.latency_ms), ended,
                              inputs=dict(result.params), outputs={"status": result.status, "error": result.error},
                              attributes={"failure": result.failure or "", "latency_ms": result.latency_ms},
                              ok=result.status == "done" or result.failure == "not_found"))
    if "retrieval_ms" in stages:
        spans.append(SpanSpec("retrieve examples", "RETRIEVER", stages.get("retrieval_started_ms", route_end),
                              stages["retrieval_ms"], outputs={"example_ids": [e.id for e in state.examples]},
                              attributes={"embedder": state.versions.get("embedder", ""),
                                          "examples": state.versions.get("examples", "")}))
    if state.first_delta is not None:
        generation_start = max(stages.get(mark, route_end) for mark in ("plan_ms", "skills_done_ms", "retrieval_ms"))
        spans.append(SpanSpec("generate", "LLM", generation_start, total, outputs={"answer": _text(state.answer)},
                              attributes={"generator": state.versions.get("generator", ""),
                                          "ttft_ms": state.timings.ttft_ms, "deltas": len(state.delta_times),
                                          "trust_action": state.trust.action,
                                          "trust_category": state.trust.category or "",
                                          "degraded": state.degraded or ""}))
    error = state.error.code if state.error else ""
    tags = {"switchboard.turn_id": state.turn_id, "switchboard.agent": state.agent}
    if state.shadow_of:
        tags["switchboard.shadow_of"] = state.shadow_of
    return TurnTrace(
        turn_id=state.turn_id, conversation_id=state.conversation_id, member_id=request.member_id,
        started_ns=int(state.timestamp.timestamp() * 1e9), total_ms=total,
        inputs={"query": request.query, "context_type": request.context.type, "context_id": request.context.id},
        outputs={"answer": _text(state.answer), "agent": state.agent, "error": error},
        tags=tags, prompts=_prompts(state.versions), spans=spans, ok=not error)
