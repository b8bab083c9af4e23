"""The assistant's request pipeline: route, plan and call skills, retrieve examples, generate, check.

    pipeline = build_pipeline(load_config())
    async for event in pipeline.run(AssistRequest(query="am I a fit?", context={"type": "job", "id": "j00001"})):
        print(event.sse())

Everything streams: each skill call fires as soon as the planner's YAML for it parses, examples are
retrieved while skills run, and answer tokens pass through trust checks every few tokens on their
way out. Every turn ends in exactly one terminal event and writes exactly one log record.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from components.agents import (
    AGENTS,
    ANYWHERE_FOLLOWUPS,
    OUT_OF_SCOPE,
    PAGE_RECORDS,
    Agent,
    Turn,
    get_agent,
    plan_yaml,
)
from components.conversation_log import Conversation, ConversationLog, TurnRecord
from components.engines import Engine, EngineError, Finished, GenerationRequest, Grounding, TextDelta
from components.engines.extractive import ExtractiveEngine
from components.pipeline.attachments import attachments_for
from components.pipeline.config import PipelineConfig
from components.pipeline.events import (
    AssistRequest,
    Context,
    DeltaData,
    DoneData,
    ErrorData,
    Event,
    FollowupsData,
    PlanData,
    RequestError,
    RouteData,
    SkillData,
    Timings,
    TrustData,
)
from components.pipeline.history import render_history
from components.pipeline.subject import continues, refers_back, subject_of
from components.prompts import PromptLibrary
from components.retrieval import Example, ExampleIndex
from components.routing import RouteDecision, Router
from components.skills import (
    SkillCall,
    SkillInvoker,
    SkillRegistry,
    SkillResult,
    unavailable_notice,
    unavailable_skills,
)
from components.structured import StreamingListParser
from components.trust import TrustPolicy

__all__ = ["DECLINE_MESSAGE", "Pipeline", "Release", "RequestError"]

logger = logging.getLogger(__name__)

DECLINE_MESSAGE = ("I can help with jobs, companies, posts and careers on the network, but not with this request. "
                   "Try one of the suggestions below.")
_DECLINE_FOLLOWUPS = list(ANYWHERE_FOLLOWUPS)  # each in scope beside any page: no dead end
_SAFE_CUT = re.compile(r"(?:[+(]?\d[\d().+-]*\s+)*\S*$")  # a partial word, and digit-like words before it


class GenerationFailed(Exception):
    pass




@dataclass(frozen=True)
class Release:
    """What serves: the router, engines and prompts of one set of versions.

    A turn takes the release current when it starts and uses it to the end, so a swap (an alias moved in
    MLflow) never mixes two versions within a turn. `sampling` holds per-role request settings from the
    model pins (temperature, top_p, max_tokens); `versions` is what `done` and the log report.
    """

    router: Any
    planner: Engine
    generator: Engine
    prompts: PromptLibrary
    versions: dict[str, str] = field(default_factory=dict)
    sampling: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class _TurnState:
    """What a turn has done so far: what the log record and the done event are made of."""

    request: AssistRequest
    conversation_id: str
    turn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.perf_counter)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    stages: dict[str, float] = field(default_factory=dict)
    agent: str = OUT_OF_SCOPE
    confidence: float = 0.0
    in_scope: bool = False
    plan_text: str = ""
    plan_source: str = "none"
    plan_repairs: list[str] = field(default_factory=list)
    results: list[SkillResult] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    answer: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    trust: TrustData = field(default_factory=lambda: TrustData(action="allow"))
    degraded: str | None = None
    failed_skills: list[str] = field(default_factory=list)  # called but not answered (not "not found")
    error: ErrorData | None = None
    first_delta: float | None = None
    delta_times: list[float] = field(default_factory=list)
    logged: bool = False
    forced_agent: str | None = None
    continued: bool = False  # forced_agent is the previous turn's: a follow-up with no topic of its own
    default_plan: str = ""  # the agent's deterministic plan, as YAML: the planner's fallback and grounding
    timings: Timings | None = None  # sealed once, when the turn finishes: the log and `done` agree
    versions: dict[str, str] = field(default_factory=dict)
    release: Release | None = None
    router_version: str = "unknown"
    followups: list[str] = field(default_factory=list)
    examples_index: ExampleIndex | None = None  # the examples table version this turn retrieves from
    history: list | None = None  # the conversation so far, as it stood when the turn started
    history_read: asyncio.Future | None = None  # reading `history` from the conversation log
    shadow_of: str | None = None  # set on a shadow turn: the live turn it shadows
    routing: Any = None  # the route decision (or its future) `open` asked for while it checked the ids
    query_vectors: dict | None = None  # per agent, embedded while a remote router answered (retrieval's input)

    def mark(self, stage: str) -> None:
        self.stages[stage] = round((time.perf_counter() - self.started) * 1000, 3)

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)


class Pipeline:
    def __init__(self, *, router: Router, registry: SkillRegistry, skills: SkillInvoker, planner: Engine,
                 generator: Engine, prompts: PromptLibrary, examples: ExampleIndex | None, trust: TrustPolicy,
                 log: ConversationLog, config: PipelineConfig | None = None, versions: dict[str, str] | None = None,
                 links: str = "") -> None:
        self.registry, self.skills, self.fallback = registry, skills, ExtractiveEngine()
        self.examples, self.trust, self.log = examples, trust, log
        self.config = config or PipelineConfig()
        self.release = Release(router, planner, generator, prompts, dict(versions or {}))
        self._links = links.rstrip("/")
        self._router_version = getattr(router, "version", "unknown")
        self.follow_status = None  # a components.versions.FollowStatus when serving follows an MLflow alias
        self.shadow: Release | None = None  # the challenger release, when shadow serving is on
        self._shadow_tasks: set[asyncio.Task] = set()
        self.shadow_stats = {"started": 0, "skipped": 0, "failed": 0}

    # -- what serves: one Release, swapped whole ---------------------------------------------------------

    def swap(self, release: Release) -> None:
        """Serves `release` from the next turn on; turns already running finish on the one they started with."""
        self.release = release
        self._router_version = getattr(release.router, "version", self._router_version)

    @property
    def router(self):
        return self.release.router

    @router.setter
    def router(self, router) -> None:
        self.swap(replace(self.release, router=router))

    @property
    def planner(self) -> Engine:
        return self.release.planner

    @planner.setter
    def planner(self, engine: Engine) -> None:
        self.swap(replace(self.release, planner=engine))

    @property
    def generator(self) -> Engine:
        return self.release.generator

    @generator.setter
    def generator(self, engine: Engine) -> None:
        self.swap(replace(self.release, generator=engine))

    @property
    def prompts(self) -> PromptLibrary:
        return self.release.prompts

    # -- before a turn -------------------------------------------------------------------------------

    async def validate(self, request: AssistRequest, agent: str | None = None) -> None:
        """Raises RequestError for what the member should fix: a long query, an unknown id or agent."""
        self._check_request(request, agent)
        await self._check_ids(request)

    def _check_request(self, request: AssistRequest, agent: str | None) -> None:
        if not request.query.strip():
            raise RequestError(422, "empty_query", "query must contain text")
        if len(request.query) > self.config.max_query_chars:
            raise RequestError(422, "query_too_long",
                               f"query has {len(request.query)} characters; the limit is {self.config.max_query_chars}")
        if agent is not None and agent not in AGENTS:
            raise RequestError(404, "unknown_agent", f"unknown agent '{agent}'; agents: auto, {', '.join(AGENTS)}")
        if request.context.type != "none" and not request.context.id:
            raise RequestError(422, "missing_context_id", f"context type '{request.context.type}' needs an id")

    async def _check_ids(self, request: AssistRequest) -> None:
        context = request.context
        checks = [(context.type, context.id)] if context.type != "none" else []
        if request.member_id:
            checks.append(("profile", request.member_id))
        calls = [SkillCall(skill=PAGE_RECORDS[kind][0], params={PAGE_RECORDS[kind][1]: ident})
                 for kind, ident in checks]
        # side by side: two records the cache does not hold cost one round trip, not two
        results = await asyncio.gather(*(self.skills.invoke(call) for call in calls))
        for (kind, ident), result in zip(checks, results, strict=True):
            if result.failure == "not_found":  # an API that cannot be reached proves nothing: the turn says so
                raise RequestError(404, f"unknown_{kind}", f"no {kind} with id '{ident}'")

    async def open(self, request: AssistRequest, agent: str | None = None,
                   history: list[tuple[str, str]] | None = None, turn_id: str | None = None) -> AsyncIterator[Event]:
        """Validates (raising RequestError) and returns the turn's event stream, not yet started.

        `history` is the conversation so far when the client sends it (OpenAI's messages); without it a
        turn that continues a `conversation_id` reads it from the conversation log. `turn_id`: the id the
        turn is logged under, when the caller must know it before the turn ends (Serve's ingress logs a
        turn whose agent died, unless the agent logged it first).

        A router in another process (a Serve deployment) is asked while the ids are checked, so its
        round trip overlaps theirs instead of following it; a refused request drops the answer.
        """
        self._check_request(request, agent)
        asked = request
        # before routing: it may set the page, or keep the previous turn's agent
        request, agent, history, continued = await self._continue_conversation(request, agent, history)
        release, routing = self.release, None
        if agent is None:
            try:
                routing = release.router.route(request.query, request.context.type)
            except Exception as exc:  # noqa: BLE001 - raised in the turn, which ends with one error event
                routing = asyncio.get_running_loop().create_future()
                routing.set_exception(exc)
            if inspect.isawaitable(routing):
                routing = asyncio.ensure_future(routing)
                await _let_requests_leave()  # id checks answered from the skills cache never yield
        try:
            await self._check_ids(asked)  # an id the turn continues came from the log, not from the client
        except BaseException:
            if isinstance(routing, asyncio.Future):
                routing.cancel()
            raise
        return self.run(request, agent, history=history, _release=release, _routing=routing, _continued=continued,
                        _turn_id=turn_id)

    async def _continue_conversation(self, request: AssistRequest, agent: str | None,
                                     history: list[tuple[str, str]] | None
                                     ) -> tuple[AssistRequest, str | None, list[tuple[str, str]] | None, bool]:
        """A follow-up that leans on its conversation (see `subject`): one with no topic of its own ("Tell me
        more") stays with the previous turn's agent; one asked beside no page that refers back ("Is it
        hiring?") is asked beside what the conversation was about. The conversation read for it is its
        history as well. Returns the request, the agent to force, the history, and whether it continued."""
        continuing, referring = continues(request.query), refers_back(request.query)
        if (history is not None or agent is not None or not request.conversation_id or not self.config.history_turns
                or not (continuing or (referring and request.context.type == "none"))):
            return request, agent, history, False
        conversation = await asyncio.to_thread(self._conversation, request.conversation_id)
        here = (request.context.type, request.context.id) if request.context.type != "none" else None
        subject = conversation.last_subject if continuing else conversation.subject
        if continuing and (conversation.last_agent not in AGENTS or here not in (None, subject)):
            continuing = False  # nothing to continue, or the member has moved to another page: route it
            subject = conversation.subject if referring else None
        if here is None and subject is not None:
            try:
                request = request.model_copy(update={"context": Context(type=subject[0], id=subject[1])})
            except ValueError:  # a history file edited by hand: the question is taken as it was asked
                logger.warning("conversation %s: ignoring an invalid subject %r", request.conversation_id, subject)
        return request, conversation.last_agent if continuing else None, conversation.turns, continuing

    async def page(self, kind: str, ident: str) -> dict[str, Any]:
        """The record of a page a member asks beside, read by the skill that reads it in a turn (the chat
        page's card). RequestError: 404 for none, 503 when its API cannot answer now, 422 for a bad kind."""
        if kind not in PAGE_RECORDS:
            raise RequestError(422, "unknown_page_type",
                               f"unknown page type '{kind}'; types: {', '.join(PAGE_RECORDS)}")
        skill, parameter = PAGE_RECORDS[kind]
        result = await self.skills.invoke(SkillCall(skill=skill, params={parameter: ident}))
        if result.failure == "not_found":
            raise RequestError(404, f"unknown_{kind}", f"no {kind} with id '{ident}'")
        if result.status == "failed":
            status, code = (422, "invalid_page") if result.failure == "rejected" else (503, "page_unavailable")
            raise RequestError(status, code, f"the {kind} could not be read: {result.error}")
        return result.data

    async def feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool:
        """Records a member's rating of a logged turn; False when the turn is unknown."""
        return await asyncio.to_thread(self.log.add_feedback, turn_id, rating, comment)

    async def ready(self) -> dict[str, str]:
        """The versions serving now, and how following the registry goes (when it does)."""
        shadow = {}
        if self.shadow is not None:
            shadow = {"shadow.prompts": self.shadow.versions.get("prompts", ""),
                      **{f"shadow.{k}": str(v) for k, v in self.shadow_stats.items()}}
        return {**self.versions(), **(self.follow_status.report() if self.follow_status else {}), **shadow}

    # -- the turn ------------------------------------------------------------------------------------

    async def run(self, request: AssistRequest, agent: str | None = None, *,
                  history: list[tuple[str, str]] | None = None, _release: Release | None = None,
                  _routing=None, _continued: bool = False, _turn_id: str | None = None) -> AsyncIterator[Event]:
        """Streams the events of one turn; always ends with exactly one `done` or `error`.

        `agent` forces an agent instead of routing (OpenAI's `model` naming one). `open` passes the
        release it validated against and the route decision it already asked for (or its future).
        """
        if not _continued:  # open has done it already
            request, agent, history, _continued = await self._continue_conversation(request, agent, history)
        state = _TurnState(request, request.conversation_id or uuid.uuid4().hex, release=_release or self.release,
                           examples_index=self.examples, routing=_routing, turn_id=_turn_id or uuid.uuid4().hex)
        state.router_version = self._router_version
        state.forced_agent, state.continued = agent, _continued
        if history is not None:  # the client carries the conversation (OpenAI messages): it is the record
            state.history = history[-self.config.history_turns:] if self.config.history_turns else []
        elif request.conversation_id and self.config.history_turns:  # read while the turn routes and plans
            state.history_read = asyncio.ensure_future(asyncio.to_thread(self._history, request.conversation_id))
        try:
            async for event in self._turn(state):
                yield event
            await self._finish(state)
            self._maybe_shadow(state)  # starts after the member's turn is complete and logged
            yield self._done(state)
        except Exception as exc:  # noqa: BLE001 - a bug must still end the turn with one error event
            state.error = ErrorData(code="internal", message=f"{type(exc).__name__}: {exc}")
            await self._finish(state)
            yield Event("error", state.error)
        finally:
            if isinstance(state.routing, asyncio.Future):
                state.routing.cancel()  # a turn that never started still asked; no-op once answered
            if not state.logged:  # the client went away mid-turn: log what happened, synchronously
                state.error = state.error or ErrorData(code="cancelled", message="the client stopped reading")
                self._write_log(state)

    async def _turn(self, state: _TurnState) -> AsyncIterator[Event]:
        request = state.request
        turn = Turn(request.query, request.context.type, request.context.id, request.member_id)
        if state.forced_agent:
            decision = RouteDecision(state.forced_agent, 1.0, True, {state.forced_agent: 1.0},
                                     "continued" if state.continued else "forced")
        else:
            decision = state.routing or state.release.router.route(request.query, request.context.type)
            if inspect.isawaitable(decision):  # a router in another process (a Serve deployment)
                decision = state.routing = asyncio.ensure_future(decision)
                await _let_requests_leave()
                state.query_vectors = self._embed_while_routing(state)
                decision = await decision
            state.router_version = self._router_version = decision.version
        state.agent, state.confidence, state.in_scope = decision.agent, decision.confidence, decision.in_scope
        state.mark("route_ms")
        yield Event("route", RouteData(agent=decision.agent, confidence=decision.confidence,
                                       in_scope=decision.in_scope))
        verdict = self.trust.check_input(request.query)
        if not verdict.allowed:
            state.trust = TrustData(action=verdict.action, category=verdict.category, message=verdict.message)
            yield Event("trust", state.trust)
            async for event in self._say(state, verdict.message or DECLINE_MESSAGE, _DECLINE_FOLLOWUPS):
                yield event
            return
        if not decision.in_scope:
            async for event in self._say(state, DECLINE_MESSAGE, _DECLINE_FOLLOWUPS):
                yield event
            return
        agent = get_agent(decision.agent)
        retrieval = asyncio.create_task(self._retrieve(state, agent))
        async for event in self._plan_and_call(state, agent, turn):
            yield event
        await retrieval
        state.failed_skills = unavailable_skills(state.results)
        grounding = Grounding(agent.name, request.query, turn.context_type, turn.context_id, turn.member_id,
                              tuple(state.results), state.default_plan,
                              notice=unavailable_notice(state.failed_skills, self.registry))
        async for event in self._answer(state, agent, turn, grounding):
            yield event
        if state.trust.action != "block":
            for attachment in attachments_for(state.answer, grounding, self._links):
                state.attachments.append(attachment.model_dump())
                yield Event("attachment", attachment)
            asked = request.query.strip().lower()  # a chip the member just clicked is not offered again
            state.followups = [f for f in agent.followups(turn, grounding) if f.strip().lower() != asked][:3]
            yield Event("followups", FollowupsData(suggestions=state.followups))

    async def _say(self, state: _TurnState, text: str, followups: list[str]) -> AsyncIterator[Event]:
        state.answer = text
        state.first_delta = time.perf_counter()
        yield Event("delta", DeltaData(text=text))
        state.followups = list(followups)
        yield Event("followups", FollowupsData(suggestions=state.followups))

    # -- planning: each call fires as soon as it parses ------------------------------------------------

    async def _plan_and_call(self, state: _TurnState, agent: Agent, turn: Turn) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        fired: list[SkillCall] = []
        tasks: list[asyncio.Task] = []

        def fire(call: SkillCall) -> None:
            if len(fired) >= self.config.max_calls or call in fired:
                return
            if not fired:
                state.mark("first_skill_fired_ms")
            fired.append(call)
            queue.put_nowait(Event("skill", SkillData(name=call.skill, params=call.params, status="started")))
            tasks.append(asyncio.create_task(self._call(call, agent, queue, state)))

        planner = asyncio.create_task(self._plan(state, agent, turn, fire, fired, queue))
        planner_done, followed_up = False, agent.then is None
        try:
            while True:
                if planner_done and all(t.done() for t in tasks) and queue.empty():
                    if followed_up:
                        break
                    followed_up = True  # calls that need what the first ones returned: one round of them
                    for call in agent.then(turn, list(state.results)):
                        fire(call)
                    continue
                event = await queue.get()
                if event is None:
                    planner_done = True
                    continue
                yield event
        finally:
            for task in (planner, *tasks):
                task.cancel()
        state.mark("skills_done_ms")

    async def _plan(self, state: _TurnState, agent: Agent, turn: Turn, fire, fired: list[SkillCall],
                    queue: asyncio.Queue) -> None:
        state.mark("plan_started_ms")
        default_calls = agent.default_plan(turn)
        state.default_plan = plan_yaml(default_calls)
        grounding = Grounding(agent.name, turn.query, turn.context_type, turn.context_id, turn.member_id,
                              default_plan=state.default_plan)
        release = state.release
        planner_prompt = release.prompts.get(agent.planner_prompt)
        # a version registered before the planner saw the conversation (v1) does not wait for its read
        history = await self._history_block(state) if "history" in planner_prompt.variables else ""
        prompt = planner_prompt.render(
            identity=release.prompts.get("global.identity").template,
            skills="\n".join(f"- {self.registry.get(name).describe()}" for name in agent.skills), history=history,
            context=turn.describe_context(), member=turn.member_id or "anonymous", query=turn.query)
        parser = StreamingListParser(item_schema=SkillCall, field="calls")
        request = _sampled(GenerationRequest(f"{state.turn_id}-plan", "plan", prompt, grounding, max_tokens=300),
                           release.sampling.get("planner"))
        text: list[str] = []
        errors: list[str] = []
        try:
            async with asyncio.timeout(self.config.budgets.plan_s):
                async for event in release.planner.generate(request):
                    if isinstance(event, TextDelta):
                        text.append(event.text)
                        for call in parser.feed(event.text):
                            fire(call)
            for call in parser.close():
                fire(call)
        except TimeoutError:
            errors.append(f"planner exceeded its {self.config.budgets.plan_s:g}s budget")
        except EngineError as exc:
            errors.append(f"planner failed: {exc}")
        errors += [str(e) for e in parser.errors]
        state.plan_text, state.plan_repairs = "".join(text), list(parser.repairs)
        state.plan_source = "planner" if fired else "default"
        if not fired:
            for call in default_calls:
                fire(call)
        state.mark("plan_ms")
        queue.put_nowait(Event("plan", PlanData(calls=[c.model_dump() for c in fired], repairs=state.plan_repairs,
                                                source=state.plan_source, errors=errors)))
        queue.put_nowait(None)

    async def _call(self, call: SkillCall, agent: Agent, queue: asyncio.Queue, state: _TurnState) -> None:
        try:
            if call.skill not in agent.skills:
                result = SkillResult(skill=call.skill, params=call.params, status="failed", latency_ms=0.0,
                                     error=f"skill '{call.skill}' is not available to {agent.name}", failure="rejected")
            else:
                result = await self.skills.invoke(call)
        except Exception as exc:  # noqa: BLE001 - the invoker does not raise; this keeps a bug from hanging the turn
            result = SkillResult(skill=call.skill, params=call.params, status="failed", latency_ms=0.0,
                                 error=f"{type(exc).__name__}: {exc}", failure="unavailable")
        state.results.append(result)
        queue.put_nowait(Event("skill", SkillData(name=result.skill, params=result.params, status=result.status,
                                                  latency_ms=result.latency_ms, error=result.error,
                                                  failure=result.failure)))

    def _embed_while_routing(self, state: _TurnState) -> dict | None:
        """The query's vectors for every agent, computed in the router's round trip instead of after it."""
        index = state.examples_index
        if index is None or not self.config.examples_k or not index.inline:
            return None
        return index.embed_queries(state.request.query, list(AGENTS))

    async def _retrieve(self, state: _TurnState, agent: Agent) -> None:
        index = state.examples_index
        if index is None or not self.config.examples_k:
            return
        if index.inline:  # a sub-millisecond matrix product: cheaper than a thread hop
            state.examples = index.search(agent.name, state.request.query, self.config.examples_k,
                                          vector=(state.query_vectors or {}).get(agent.name))
        else:
            state.examples = await asyncio.to_thread(index.search, agent.name, state.request.query,
                                                     self.config.examples_k)
        state.mark("retrieval_ms")

    # -- generation: budgets, degradation, trust checks on the way out ---------------------------------

    async def _history_block(self, state: _TurnState) -> str:
        """The conversation so far as the prompts show it, once the read begun at the turn's start is in."""
        if state.history is None and state.history_read is not None:
            state.history = await state.history_read
        return state.release.prompts.get("global.history").render(history=render_history(state.history or []))

    def _prompt(self, state: _TurnState, agent: Agent, turn: Turn, grounding: Grounding, history: str) -> str:
        dossier = "\n".join(
            f"[{r.skill} {r.params}] " + (self.trust.sanitize_data(str(r.data)) if r.status == "done" else
                                          "not found" if r.failure == "not_found" else
                                          f"could not be reached right now, so unknown (not absent): {r.error}")
            for r in grounding.results)
        examples = "\n\n".join(f"Q: {e.query}\nA: {e.answer}" for e in state.examples) or "(none)"
        prompts = state.release.prompts
        return prompts.get(agent.generator_prompt).render(
            identity=prompts.get("global.identity").template,
            jailbreak_defence=prompts.get("global.jailbreak_defence").template, history=history,
            examples=examples, dossier=dossier or "(no data)", context=turn.describe_context(), query=turn.query)

    async def _stream(self, engine: Engine, request: GenerationRequest, state: _TurnState) -> AsyncIterator[str]:
        budgets, loop = self.config.budgets, asyncio.get_running_loop()
        deadline = loop.time() + budgets.generate_s
        stream = engine.generate(request)
        first = True
        try:
            while True:
                wait = min(budgets.ttft_s if first else budgets.stall_s, max(deadline - loop.time(), 0))
                try:
                    async with asyncio.timeout(wait):  # not wait_for: no task per token
                        event = await anext(stream)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise GenerationFailed("generator missed its first-token budget" if first
                                           else "generator stream stalled") from None
                except EngineError as exc:
                    raise GenerationFailed(f"generator failed: {exc}") from None
                if isinstance(event, Finished):
                    if event.ttft_ms is not None:
                        state.stages.setdefault("engine_ttft_ms", round(event.ttft_ms, 3))
                    return
                first = False
                yield event.text
        finally:
            await stream.aclose()

    async def _answer(self, state: _TurnState, agent: Agent, turn: Turn, grounding: Grounding) -> AsyncIterator[Event]:
        prompt = self._prompt(state, agent, turn, grounding, await self._history_block(state))
        request = _sampled(GenerationRequest(state.turn_id, "answer", prompt, grounding,
                                             max_tokens=self.config.max_answer_tokens),
                           state.release.sampling.get("generator"))
        checker = self.trust.output_checker(allowed_text=lambda: str([r.data for r in grounding.results]))
        sent, pending, tokens = "", "", 0

        def emit(text: str) -> Event:
            now = time.perf_counter()
            if state.first_delta is None:
                state.first_delta = now
                state.mark("ttft_ms")
            state.delta_times.append(now)
            return Event("delta", DeltaData(text=text))

        async def produce(engine: Engine) -> AsyncIterator[Event]:
            nonlocal sent, pending, tokens
            async for piece in self._stream(engine, request, state):
                pending += piece
                tokens += 1
                if sent and tokens % checker.every:
                    continue  # check every token until the first words are out, then every N
                verdict = checker.check(sent + pending)
                if verdict.action == "block":
                    state.trust = TrustData(action="block", category=verdict.category, message=verdict.message)
                    return
                if verdict.action == "rewrite":
                    state.trust = TrustData(action="rewrite", category=verdict.category, message=verdict.message)
                    pending = verdict.text[len(sent):] if verdict.text.startswith(sent) else pending
                # Hold back a partial word and trailing digit-like words: an address or a phone number
                # split over tokens is only checkable once it is whole.
                cut = _SAFE_CUT.search(pending).start()
                if cut:
                    sent, chunk, pending = sent + pending[:cut], pending[:cut], pending[cut:]
                    yield emit(chunk)

        try:
            async for event in produce(state.release.generator):
                yield event
        except GenerationFailed as failure:
            state.degraded = str(failure)
            if sent or pending:
                pending += "\n\n(The answer was cut short; here is a summary from the facts I found.)\n\n"
            async for event in produce(self.fallback):
                yield event
        if state.trust.action == "block":
            state.answer = state.trust.message or ""
            yield Event("trust", state.trust)
            return
        if grounding.notice and grounding.notice not in sent + pending:  # whatever the engine wrote, it is said
            pending += ("\n\n" if (sent + pending).strip() else "") + grounding.notice
        verdict = checker.check(sent + pending)
        if verdict.action == "block":
            state.trust = TrustData(action="block", category=verdict.category, message=verdict.message)
            state.answer = verdict.message or ""
            yield Event("trust", state.trust)
            return
        if verdict.action == "rewrite" and verdict.text.startswith(sent):
            state.trust = TrustData(action="rewrite", category=verdict.category, message=verdict.message)
            pending = verdict.text[len(sent):]
        if pending:
            sent += pending
            yield emit(pending)
        if state.trust.action == "rewrite":
            yield Event("trust", state.trust)
        state.answer = sent

    # -- the end of a turn ---------------------------------------------------------------------------

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

    def _timings(self, state: _TurnState) -> Timings:
        gaps = [b - a for a, b in zip(state.delta_times, state.delta_times[1:], strict=False)]
        if gaps:
            state.stages["tbt_ms"] = round(sum(gaps) / len(gaps) * 1000, 3)
        state.stages["total_ms"] = state.elapsed_ms()
        ttft = None if state.first_delta is None else round((state.first_delta - state.started) * 1000, 3)
        return Timings(ttft_ms=ttft, total_ms=state.stages["total_ms"], stages=dict(state.stages))

    def _seal(self, state: _TurnState) -> None:
        if state.timings is None:
            state.timings, state.versions = self._timings(state), self.versions(state.release, state.router_version,
                                                                       state.examples_index)

    def _record(self, state: _TurnState) -> TurnRecord:
        request, timings = state.request, state.timings
        return TurnRecord(
            conversation_id=state.conversation_id, turn_id=state.turn_id, timestamp=state.timestamp,
            member_id=request.member_id, agent=state.agent, route_confidence=state.confidence,
            in_scope=state.in_scope, query=request.query, context_type=request.context.type,
            context_id=request.context.id, plan_text=state.plan_text, plan_source=state.plan_source,
            plan_repairs=state.plan_repairs,
            skills=[{"name": r.skill, "params": r.params, "status": r.status, "latency_ms": r.latency_ms,
                     "error": r.error, "failure": r.failure} for r in state.results],
            dossier=[{"skill": r.skill, "params": r.params, "data": r.data}
                     for r in state.results if r.status == "done"],
            example_ids=[e.id for e in state.examples], answer=state.answer, followups=state.followups,
            attachments=state.attachments,
            trust_action=state.trust.action, trust_category=state.trust.category, degraded=state.degraded,
            failed_skills=state.failed_skills, partial=bool(state.failed_skills),
            error_code=state.error.code if state.error else None,
            error_message=state.error.message if state.error else None, ttft_ms=timings.ttft_ms,
            tbt_ms=timings.stages.get("tbt_ms"), total_ms=timings.total_ms, stages=timings.stages,
            versions=state.versions, shadow_of=state.shadow_of)

    def _history(self, conversation_id: str) -> list[tuple[str, str]]:
        return self._conversation(conversation_id).turns

    def _conversation(self, conversation_id: str) -> Conversation:
        try:
            return self.log.conversation(conversation_id, self.config.history_turns)
        except OSError as exc:  # an unreadable history costs the prompt its context, not the turn
            logger.warning("conversation %s: history unreadable (%s); answering without it", conversation_id, exc)
            return Conversation()

    def _write_log(self, state: _TurnState) -> None:
        self._seal(state)
        context = state.request.context
        self.log.write(self._record(state), subject_of(context.type, context.id, state.results))
        state.logged = True

    async def _finish(self, state: _TurnState) -> None:
        """Logs the turn before its terminal event, so feedback on it can never arrive first."""
        self._seal(state)
        await asyncio.to_thread(self._write_log, state)

    # -- shadow serving: the challenger answers a share of live turns, in the background ------------------

    def swap_shadow(self, release: Release | None) -> None:
        """Shadows a share of live turns with `release` (the challenger); None stops shadowing."""
        self.shadow = release

    def _maybe_shadow(self, state: _TurnState) -> None:
        if (self.shadow is None or state.shadow_of is not None or state.error is not None
                or random.random() >= self.config.shadow_share):
            return
        if len(self._shadow_tasks) >= self.config.shadow_max_in_flight:
            self.shadow_stats["skipped"] += 1
            return
        shadow = _TurnState(state.request, state.conversation_id, release=self.shadow, examples_index=self.examples,
                            history=state.history, shadow_of=state.turn_id, forced_agent=state.forced_agent)
        task = asyncio.get_running_loop().create_task(self._shadow_turn(shadow), name=f"shadow-{state.turn_id}")
        self._shadow_tasks.add(task)
        task.add_done_callback(self._shadow_tasks.discard)
        self.shadow_stats["started"] += 1

    async def _shadow_turn(self, state: _TurnState) -> None:
        """Runs the turn on the shadow release and logs it beside the live one; never seen by the member."""
        try:
            async for _ in self._turn(state):
                pass
        except Exception as exc:  # noqa: BLE001 - a failing challenger is evidence, not an outage
            state.error = ErrorData(code="internal", message=f"{type(exc).__name__}: {exc}")
            self.shadow_stats["failed"] += 1
        await self._finish(state)

    async def drain_shadows(self) -> None:
        """Waits for the shadow turns in flight (tests, shutdown)."""
        while self._shadow_tasks:
            await asyncio.gather(*list(self._shadow_tasks), return_exceptions=True)

    def _done(self, state: _TurnState) -> Event:
        return Event("done", DoneData(conversation_id=state.conversation_id, turn_id=state.turn_id,
                                      answer=state.answer, timings=state.timings, versions=state.versions,
                                      degraded=state.degraded, partial=bool(state.failed_skills),
                                      failed_skills=state.failed_skills))


async def _let_requests_leave(iterations: int = 3) -> None:
    """Yields to the loop before CPU-bound work, so that requests already issued on it go out first.

    A Serve handle call leaves over a few loop iterations (the replica is chosen in a task of its own,
    then the request is sent): work that runs first holds the round trip back by as long as it takes.
    """
    for _ in range(iterations):
        await asyncio.sleep(0)


def _sampled(request: GenerationRequest, sampling: dict[str, float] | None) -> GenerationRequest:
    """`request` with a model pin's sampling settings; its max_tokens never exceeds the pipeline's own cap."""
    if not sampling:
        return request
    return replace(request, temperature=float(sampling.get("temperature", request.temperature)),
                   top_p=float(sampling.get("top_p", request.top_p)),
                   max_tokens=min(int(sampling.get("max_tokens", request.max_tokens)), request.max_tokens))
