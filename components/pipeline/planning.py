"""Planning: the planner's YAML streams through the parser, and each call fires the moment it parses.

A planned call that passes an id the turn does not have (the page's, the member's, one the question or the
conversation names) is refused before it is made: a small model copies its prompt example's ids. A planner
that fails, stalls past its budget or plans nothing readable and grounded gets the agent's default plan;
an agent's `then` makes one more round of calls that need what the first ones returned. Skill events go
out as the calls start and finish; the `plan` event when the plan is complete.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from components.agents import Agent, Turn, plan_yaml
from components.engines import EngineError, GenerationRequest, Grounding, TextDelta
from components.pipeline.config import PipelineConfig
from components.pipeline.events import Event, PlanData, SkillData
from components.pipeline.history import history_block
from components.pipeline.sampling import sampled
from components.pipeline.turn import Release, TurnState
from components.skills import SkillCall, SkillInvoker, SkillRegistry, SkillResult
from components.structured import StreamingListParser

__all__ = ["PLAN_SCHEMA", "Planning", "known_ids", "planner_request"]

_WORD = re.compile(r"[\w-]+")
# What a plan is, as JSON Schema: {"calls": [{"skill": ..., "params": {...}}, ...]}
PLAN_SCHEMA = {"type": "object", "properties": {"calls": {"type": "array", "items": SkillCall.model_json_schema()}},
               "required": ["calls"]}


def planner_request(release: Release, registry: SkillRegistry, config: PipelineConfig, agent: Agent, turn: Turn,
                    grounding: Grounding, *, request_id: str, history: str = "") -> GenerationRequest:
    """What the planner is asked for a turn: the agent's planner prompt, its skills, the page and the question,
    with the planner pin's sampling (and the plan's JSON schema when structured plans are on)."""
    prompt = release.prompts.get(agent.planner_prompt).render(
        identity=release.prompts.get("global.identity").template,
        skills="\n".join(f"- {registry.get(name).describe()}" for name in agent.skills), history=history,
        context=turn.describe_context(), member=turn.member_id or "anonymous", query=turn.query)
    schema = PLAN_SCHEMA if config.structured_plans else None
    return sampled(GenerationRequest(request_id, "plan", prompt, grounding, max_tokens=config.max_plan_tokens,
                                     json_schema=schema), release.sampling.get("planner"))


def known_ids(turn: Turn, history: str = "") -> set[str]:
    """The ids a plan may pass for its grounded parameters: the page's, the asking member's, and any word of the
    question or of the conversation so far (a follow-up about "that job" names what an earlier turn showed)."""
    return {i for i in (turn.context_id, turn.member_id) if i} | set(_WORD.findall(f"{turn.query}\n{history}"))


class Planning:
    def __init__(self, registry: SkillRegistry, skills: SkillInvoker, config: PipelineConfig) -> None:
        self.registry, self.skills, self.config = registry, skills, config

    async def run(self, state: TurnState, agent: Agent, turn: Turn) -> AsyncIterator[Event]:
        """The turn's skill and plan events; `state.results` holds every call's result when it ends."""
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

    async def _plan(self, state: TurnState, agent: Agent, turn: Turn, fire, fired: list[SkillCall],
                    queue: asyncio.Queue) -> None:
        try:
            await self._write_plan(state, agent, turn, fire, fired, queue)
        finally:  # whatever happened, the turn's loop learns the plan is over (it waited forever once)
            queue.put_nowait(None)

    async def _write_plan(self, state: TurnState, agent: Agent, turn: Turn, fire, fired: list[SkillCall],
                          queue: asyncio.Queue) -> None:
        state.mark("plan_started_ms")
        default_calls = agent.default_plan(turn)
        state.default_plan = plan_yaml(default_calls)
        grounding = Grounding(agent.name, turn.query, turn.context_type, turn.context_id, turn.member_id,
                              default_plan=state.default_plan)
        release = state.release
        # a version registered before the planner saw the conversation (v1) does not wait for its read
        history = await history_block(state) if "history" in release.prompts.get(agent.planner_prompt).variables else ""
        request = planner_request(release, self.registry, self.config, agent, turn, grounding,
                                  request_id=f"{state.turn_id}-plan", history=history)
        parser = StreamingListParser(item_schema=SkillCall, field="calls")
        text: list[str] = []
        errors: list[str] = []
        known = known_ids(turn, history)

        def fire_grounded(call: SkillCall) -> None:
            if made_up := self.registry.ungrounded(call.skill, call.params, known):
                errors.append(f"{call.skill}: refused {', '.join(f'{n}={call.params[n]}' for n in made_up)}: "
                              "not an id this turn has")
            else:
                fire(call)

        try:
            async with asyncio.timeout(self.config.budgets.plan_s):
                async for event in release.planner.generate(request):
                    if isinstance(event, TextDelta):
                        text.append(event.text)
                        for call in parser.feed(event.text):
                            fire_grounded(call)
            for call in parser.close():
                fire_grounded(call)
        except TimeoutError:
            errors.append(f"planner exceeded its {self.config.budgets.plan_s:g}s budget")
        except EngineError as exc:
            errors.append(f"planner failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - a bug reading a plan costs the plan, never the turn (it hung)
            errors.append(f"reading the plan failed: {type(exc).__name__}: {exc}")
        errors += [str(e) for e in parser.errors]
        state.plan_text, state.plan_repairs = "".join(text), list(parser.repairs)
        state.plan_source = "planner" if fired else "default"
        if not fired:
            for call in default_calls:
                fire(call)
        state.mark("plan_ms")
        queue.put_nowait(Event("plan", PlanData(calls=[c.model_dump() for c in fired], repairs=state.plan_repairs,
                                                source=state.plan_source, errors=errors)))

    async def _call(self, call: SkillCall, agent: Agent, queue: asyncio.Queue, state: TurnState) -> None:
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
        state.skill_ended_ms.append(state.elapsed_ms())
        queue.put_nowait(Event("skill", SkillData(name=result.skill, params=result.params, status=result.status,
                                                  latency_ms=result.latency_ms, error=result.error,
                                                  failure=result.failure)))
