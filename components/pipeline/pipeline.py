"""The assistant's request pipeline: route, plan and call skills, retrieve examples, generate, check.

    pipeline = build_pipeline(load_config())
    async for event in pipeline.run(AssistRequest(query="am I a fit?", context={"type": "job", "id": "j00001"})):
        print(event.sse())

This module orchestrates; each stage is a module of its own, named for what it does: `admission`
(what a request must be), `followup` (a question that leans on its conversation), routing (here: the
router may be a remote one), `planning` (each call fires as soon as the plan's YAML for it parses),
`answering` (budgets, the extractive fallback, trust checks on the way out), `attachments`, `record`
(the turn's log record and the conversation read back) and `shadow`. Everything streams, and every turn
ends in exactly one terminal event and writes exactly one log record.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from components.agents import AGENTS, ANYWHERE_FOLLOWUPS, Agent, Turn, get_agent
from components.conversation_log import ConversationLog
from components.engines import Engine, Grounding
from components.pipeline.admission import check_ids, check_request, read_page
from components.pipeline.answering import Answering
from components.pipeline.attachments import attachments_for
from components.pipeline.config import PipelineConfig
from components.pipeline.events import (
    AssistRequest,
    DeltaData,
    DoneData,
    ErrorData,
    Event,
    FollowupsData,
    RequestError,
    RouteData,
    TrustData,
)
from components.pipeline.followup import Continuation, History, continue_conversation
from components.pipeline.planning import Planning
from components.pipeline.record import TurnLog
from components.pipeline.shadow import Shadow
from components.pipeline.turn import Release, TurnState
from components.prompts import PromptLibrary
from components.retrieval import ExampleIndex
from components.routing import RouteDecision, Router
from components.skills import SkillInvoker, SkillRegistry, unavailable_notice, unavailable_skills
from components.trust import TrustPolicy

__all__ = ["DECLINE_MESSAGE", "Pipeline", "Release", "RequestError"]

DECLINE_MESSAGE = ("I can help with jobs, companies, posts and careers on the network, but not with this request. "
                   "Try one of the suggestions below.")
_DECLINE_FOLLOWUPS = list(ANYWHERE_FOLLOWUPS)  # each in scope beside any page: no dead end


class Pipeline:
    """The collaborators come in here (or through `components.pipeline.build_pipeline`); what serves is
    one Release, swapped whole."""

    def __init__(self, *, router: Router, registry: SkillRegistry, skills: SkillInvoker, planner: Engine,
                 generator: Engine, prompts: PromptLibrary, examples: ExampleIndex | None, trust: TrustPolicy,
                 log: ConversationLog, config: PipelineConfig | None = None, versions: dict[str, str] | None = None,
                 links: str = "", tracer=None) -> None:
        """`tracer`: a components.tracing.TraceExporter for each logged turn's trace, or None."""
        self.registry, self.skills, self.examples, self.trust = registry, skills, examples, trust
        self.config = config or PipelineConfig()
        self.release = Release(router, planner, generator, prompts, dict(versions or {}))
        self._links = links.rstrip("/")
        self._router_version = getattr(router, "version", "unknown")
        self.follow_status = None  # a components.versions.FollowStatus when serving follows an MLflow alias
        self.records = TurnLog(log, self.config.history_turns,
                               lambda state: self.versions(state.release, state.router_version, state.examples_index),
                               tracer=tracer)
        self.planning = Planning(registry, skills, self.config)
        self.answering = Answering(trust, self.config)
        self.shadowing = Shadow(self.config, self._turn, self.records.finish)

    # -- what serves ---------------------------------------------------------------------------------

    def swap(self, release: Release) -> None:
        """Serves `release` from the next turn on; turns already running finish on the one they started with."""
        self.release = release
        self._router_version = getattr(release.router, "version", self._router_version)

    def swap_shadow(self, release: Release | None) -> None:
        """Shadows a share of live turns with `release` (the challenger); None stops shadowing."""
        self.shadowing.release = release

    @property
    def shadow(self) -> Release | None:
        return self.shadowing.release

    @property
    def router(self):
        return self.release.router

    @property
    def prompts(self) -> PromptLibrary:
        return self.release.prompts

    @property
    def log(self) -> ConversationLog:
        return self.records.log

    def versions(self, release: Release | None = None, router_version: str | None = None,
                 examples: ExampleIndex | None = None) -> dict[str, str]:
        release, examples = release or self.release, examples or self.examples
        versions = {"router": router_version or self._router_version,
                    "planner": f"{release.planner.name}:{release.planner.model}",
                    "generator": f"{release.generator.name}:{release.generator.model}", **release.versions}
        if examples is not None:
            versions["embedder"] = examples.embedder_version
            versions["examples"] = f"v{examples.version}"
        return versions

    async def ready(self) -> dict[str, str]:
        """The versions serving now, and how following the registry goes (when it does)."""
        shadow = {}
        if self.shadow is not None:
            shadow = {"shadow.prompts": self.shadow.versions.get("prompts", ""),
                      **{f"shadow.{k}": str(v) for k, v in self.shadowing.stats.items()}}
        return {**self.versions(), **(self.follow_status.report() if self.follow_status else {}), **shadow}

    async def drain_shadows(self) -> None:
        await self.shadowing.drain()

    # -- beside the turns ------------------------------------------------------------------------------

    async def page(self, kind: str, ident: str) -> dict[str, Any]:
        """The record of a page a member asks beside (see admission.read_page)."""
        return await read_page(self.skills, kind, ident)

    async def feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool:
        """Records a member's rating of a logged turn (on its trace too, when traced); False for an unknown turn."""
        known = await asyncio.to_thread(self.log.add_feedback, turn_id, rating, comment)
        if known and self.records.tracer is not None:
            self.records.tracer.submit_feedback(turn_id, rating, comment)
        return known

    # -- a turn ----------------------------------------------------------------------------------------

    async def open(self, request: AssistRequest, agent: str | None = None, history: History | None = None,
                   turn_id: str | None = None) -> AsyncIterator[Event]:
        """Validates (raising RequestError) and returns the turn's event stream, not yet started.

        `history` is the conversation so far when the client sends it (OpenAI's messages); without it a
        turn that continues a `conversation_id` reads it from the conversation log. `turn_id`: the id the
        turn is logged under, when the caller must know it before the turn ends (Serve's ingress logs a
        turn whose agent died, unless the agent logged it first).

        A router in another process (a Serve deployment) is asked while the ids are checked, so its
        round trip overlaps theirs instead of following it; a refused request drops the answer.
        """
        check_request(request, agent, self.config.max_query_chars)
        asked = request
        # before routing: it may set the page, keep the previous turn's agent, or name it for the router
        continuation = await self._continue(request, agent, history)
        request, agent = continuation.request, continuation.agent
        release, routing = self.release, None
        if agent is None:
            try:
                routing = _ask(release.router, request.query, request.context.type, continuation.previous_agent)
            except Exception as exc:  # noqa: BLE001 - raised in the turn, which ends with one error event
                routing = asyncio.get_running_loop().create_future()
                routing.set_exception(exc)
            if inspect.isawaitable(routing):
                routing = asyncio.ensure_future(routing)
                await _let_requests_leave()  # id checks answered from the skills cache never yield
        try:
            await check_ids(self.skills, asked)  # an id the turn continues came from the log, not the client
        except BaseException:
            if isinstance(routing, asyncio.Future):
                routing.cancel()
            raise
        return self.run(request, agent, history=history, _release=release, _routing=routing, _continuation=continuation,
                        _turn_id=turn_id)

    async def _continue(self, request: AssistRequest, agent: str | None, history: History | None) -> Continuation:
        router = self.release.router
        conversational = getattr(router, "conversational", False)
        continuation = await continue_conversation(request, agent, history, history_turns=self.config.history_turns,
                                                   conversation=self.records.conversation,
                                                   conversational=conversational)
        if conversational and agent is None and history:
            # An OpenAI client's messages carry no agent: its previous question is routed again (a few
            # milliseconds), so "Why?" after "What does a product manager do?" stays with general knowledge.
            decision = _ask(router, history[-1][0], "none")
            previous = (await decision if inspect.isawaitable(decision) else decision).agent
            continuation = continuation._replace(previous_agent=previous)
        return continuation

    async def run(self, request: AssistRequest, agent: str | None = None, *, history: History | None = None,
                  _release: Release | None = None, _routing=None, _continuation: Continuation | None = None,
                  _turn_id: str | None = None) -> AsyncIterator[Event]:
        """Streams the events of one turn; always ends with exactly one `done` or `error`.

        `agent` forces an agent instead of routing (OpenAI's `model` naming one). `open` passes the
        release it validated against and the route decision it already asked for (or its future).
        """
        continuation = _continuation or await self._continue(request, agent, history)  # open may have done it
        request, agent, history, _continued, previous_agent = continuation
        state = TurnState(request, request.conversation_id or uuid.uuid4().hex, release=_release or self.release,
                          examples_index=self.examples, routing=_routing, turn_id=_turn_id or uuid.uuid4().hex)
        state.router_version = self._router_version
        state.forced_agent, state.continued, state.previous_agent = agent, _continued, previous_agent
        if history is not None:  # the client carries the conversation (OpenAI messages): it is the record
            state.history = history[-self.config.history_turns:] if self.config.history_turns else []
        elif request.conversation_id and self.config.history_turns:  # read while the turn routes and plans
            state.history_read = asyncio.ensure_future(asyncio.to_thread(self.records.history,
                                                                         request.conversation_id))
        try:
            async for event in self._turn(state):
                yield event
            await self.records.finish(state)
            self.shadowing.maybe_start(state)  # starts after the member's turn is complete and logged
            yield Event("done", DoneData(conversation_id=state.conversation_id, turn_id=state.turn_id,
                                         answer=state.answer, timings=state.timings, versions=state.versions,
                                         degraded=state.degraded, partial=bool(state.failed_skills),
                                         failed_skills=state.failed_skills))
        except Exception as exc:  # noqa: BLE001 - a bug must still end the turn with one error event
            state.error = ErrorData(code="internal", message=f"{type(exc).__name__}: {exc}")
            await self.records.finish(state)
            yield Event("error", state.error)
        finally:
            if isinstance(state.routing, asyncio.Future):
                state.routing.cancel()  # a turn that never started still asked; no-op once answered
            if not state.logged:  # the client went away mid-turn: log what happened, synchronously
                state.error = state.error or ErrorData(code="cancelled", message="the client stopped reading")
                self.records.write(state)

    async def _turn(self, state: TurnState) -> AsyncIterator[Event]:
        request = state.request
        turn = Turn(request.query, request.context.type, request.context.id, request.member_id)
        decision = await self._route(state)
        yield Event("route", RouteData(agent=decision.agent, confidence=decision.confidence,
                                       in_scope=decision.in_scope))
        verdict = self.trust.check_input(request.query)
        if not verdict.allowed:
            state.trust = TrustData(action=verdict.action, category=verdict.category, message=verdict.message)
            yield Event("trust", state.trust)
            async for event in _say(state, verdict.message or DECLINE_MESSAGE, _DECLINE_FOLLOWUPS):
                yield event
            return
        if not decision.in_scope:
            async for event in _say(state, DECLINE_MESSAGE, _DECLINE_FOLLOWUPS):
                yield event
            return
        agent = get_agent(decision.agent)
        retrieval = asyncio.create_task(self._retrieve(state, agent))
        async for event in self.planning.run(state, agent, turn):
            yield event
        await retrieval
        state.failed_skills = unavailable_skills(state.results)
        grounding = Grounding(agent.name, request.query, turn.context_type, turn.context_id, turn.member_id,
                              tuple(state.results), state.default_plan,
                              notice=unavailable_notice(state.failed_skills, self.registry))
        async for event in self.answering.run(state, agent, turn, grounding):
            yield event
        if state.trust.action != "block":
            for attachment in attachments_for(state.answer, grounding, self._links):
                state.attachments.append(attachment.model_dump())
                yield Event("attachment", attachment)
            asked = request.query.strip().lower()  # a chip the member just clicked is not offered again
            state.followups = [f for f in agent.followups(turn, grounding) if f.strip().lower() != asked][:3]
            yield Event("followups", FollowupsData(suggestions=state.followups))

    # -- routing and retrieval -------------------------------------------------------------------------

    async def _route(self, state: TurnState) -> RouteDecision:
        """The agent: forced, or the router's (whose answer `open` may have asked for already)."""
        request = state.request
        if state.forced_agent:
            decision = RouteDecision(state.forced_agent, 1.0, True, {state.forced_agent: 1.0},
                                     "continued" if state.continued else "forced")
        else:
            decision = state.routing or _ask(state.release.router, request.query, request.context.type,
                                             state.previous_agent)
            if inspect.isawaitable(decision):  # a router in another process (a Serve deployment)
                decision = state.routing = asyncio.ensure_future(decision)
                await _let_requests_leave()
                state.query_vectors = self._embed_while_routing(state)
                decision = await decision
            state.router_version = self._router_version = decision.version
        state.agent, state.confidence, state.in_scope = decision.agent, decision.confidence, decision.in_scope
        state.mark("route_ms")
        return decision

    def _embed_while_routing(self, state: TurnState) -> dict | None:
        """The query's vectors for every agent, computed in the router's round trip instead of after it."""
        index = state.examples_index
        if index is None or not self.config.examples_k or not index.inline:
            return None
        return index.embed_queries(state.request.query, list(AGENTS))

    async def _retrieve(self, state: TurnState, agent: Agent) -> None:
        index = state.examples_index
        if index is None or not self.config.examples_k:
            return
        state.mark("retrieval_started_ms")
        if index.inline:  # a sub-millisecond matrix product: cheaper than a thread hop
            state.examples = index.search(agent.name, state.request.query, self.config.examples_k,
                                          vector=(state.query_vectors or {}).get(agent.name))
        else:
            state.examples = await asyncio.to_thread(index.search, agent.name, state.request.query,
                                                     self.config.examples_k)
        state.mark("retrieval_ms")


def _ask(router, query: str, context_type: str, previous_agent: str | None = None):
    """The router's decision, or an awaitable of it. A router that embeds the query (milliseconds of model:
    `embeds`) answers in a thread, so the replica's other streams keep their tokens flowing meanwhile; one
    in another process answers with an awaitable already; the TF-IDF router's microseconds stay on the loop."""
    if getattr(router, "embeds", False):
        return asyncio.to_thread(router.route, query, context_type, previous_agent)
    return router.route(query, context_type, previous_agent)


async def _say(state: TurnState, text: str, followups: list[str]) -> AsyncIterator[Event]:
    """A fixed answer (a decline, a policy's explanation), with its suggestions."""
    state.answer = text
    state.first_delta = time.perf_counter()
    yield Event("delta", DeltaData(text=text))
    state.followups = list(followups)
    yield Event("followups", FollowupsData(suggestions=state.followups))


async def _let_requests_leave(iterations: int = 3) -> None:
    """Yields to the loop before CPU-bound work, so that requests already issued on it go out first.

    A Serve handle call leaves over a few loop iterations (the replica is chosen in a task of its own,
    then the request is sent): work that runs first holds the round trip back by as long as it takes.
    """
    for _ in range(iterations):
        await asyncio.sleep(0)
