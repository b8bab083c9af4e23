"""The turn's record: sealed once (timings and versions, so `done` and the log agree), written before the
terminal event, and the conversation so far, read back for the next turn's follow-ups and prompts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from components.conversation_log import Conversation, ConversationLog, TurnRecord
from components.pipeline.events import Timings
from components.pipeline.subject import subject_of
from components.pipeline.turn import TurnState
from components.tracing.spans import turn_trace

__all__ = ["TurnLog"]

logger = logging.getLogger(__name__)


class TurnLog:
    """`versions(state)`: what served the turn (the pipeline knows its releases and examples table); `tracer`:
    a TraceExporter that gets each logged turn's trace (sampled, exported off the request path), or None."""

    def __init__(self, log: ConversationLog, history_turns: int, versions: Callable[[TurnState], dict[str, str]],
                 tracer=None):
        self.log, self.history_turns, self._versions, self.tracer = log, history_turns, versions, tracer

    def seal(self, state: TurnState) -> None:
        if state.timings is None:
            state.timings, state.versions = _timings(state), self._versions(state)

    async def finish(self, state: TurnState) -> None:
        """Logs the turn before its terminal event, so feedback on it can never arrive first."""
        self.seal(state)
        await asyncio.to_thread(self.write, state)

    def write(self, state: TurnState) -> None:
        """Synchronously: also what a turn whose client went away (a cancelled task) still gets."""
        self.seal(state)
        context = state.request.context
        self.log.write(record_of(state), subject_of(context.type, context.id, state.results))
        state.logged = True
        if self.tracer is not None:
            try:
                self.tracer.submit(turn_trace(state))
            except Exception:  # noqa: BLE001 - a trace is never worth a turn: the log above has it all
                logger.exception("turn %s: no trace", state.turn_id)

    def conversation(self, conversation_id: str) -> Conversation:
        try:
            return self.log.conversation(conversation_id, self.history_turns)
        except OSError as exc:  # an unreadable history costs the prompt its context, not the turn
            logger.warning("conversation %s: history unreadable (%s); answering without it", conversation_id, exc)
            return Conversation()

    def history(self, conversation_id: str) -> list[tuple[str, str]]:
        return self.conversation(conversation_id).turns


def _timings(state: TurnState) -> Timings:
    gaps = [b - a for a, b in zip(state.delta_times, state.delta_times[1:], strict=False)]
    if gaps:
        state.stages["tbt_ms"] = round(sum(gaps) / len(gaps) * 1000, 3)
    state.stages["total_ms"] = state.elapsed_ms()
    ttft = None if state.first_delta is None else round((state.first_delta - state.started) * 1000, 3)
    return Timings(ttft_ms=ttft, total_ms=state.stages["total_ms"], stages=dict(state.stages))


def record_of(state: TurnState) -> TurnRecord:
    request, timings = state.request, state.timings
    return TurnRecord(
        conversation_id=state.conversation_id, turn_id=state.turn_id, timestamp=state.timestamp,
        member_id=request.member_id, agent=state.agent, route_confidence=state.confidence,
        in_scope=state.in_scope, query=request.query, context_type=request.context.type,
        context_id=request.context.id, plan_text=state.plan_text, plan_source=state.plan_source,
        plan_repairs=state.plan_repairs,
        skills=[{"name": r.skill, "params": r.params, "status": r.status, "latency_ms": r.latency_ms,
                 "error": r.error, "failure": r.failure} for r in state.results],
        dossier=[{"skill": r.skill, "params": r.params, "data": r.data} for r in state.results if r.status == "done"],
        example_ids=[e.id for e in state.examples], answer=state.answer, followups=state.followups,
        attachments=state.attachments,
        trust_action=state.trust.action, trust_category=state.trust.category, degraded=state.degraded,
        failed_skills=state.failed_skills, partial=bool(state.failed_skills),
        error_code=state.error.code if state.error else None,
        error_message=state.error.message if state.error else None, ttft_ms=timings.ttft_ms,
        tbt_ms=timings.stages.get("tbt_ms"), total_ms=timings.total_ms, stages=timings.stages,
        versions=state.versions, shadow_of=state.shadow_of)
