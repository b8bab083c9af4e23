"""Answering: the prompt, the generator's stream under its budgets, the extractive fallback, and the trust
checks every few tokens on the way out.

A generator that misses its first-token budget, stalls or fails is replaced by the extractive answer
(`state.degraded` says why). Text leaves only once checked: a partial word, or digits that may be the
start of a phone number, wait for the rest. An answer given without what an unavailable skill would
have said ends with the notice that says so.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

from components.agents import Agent, Turn
from components.engines import Engine, EngineError, Finished, GenerationRequest, Grounding
from components.engines.extractive import ExtractiveEngine
from components.pipeline.config import PipelineConfig
from components.pipeline.events import DeltaData, Event, TrustData
from components.pipeline.history import history_block
from components.pipeline.sampling import sampled
from components.pipeline.turn import TurnState
from components.trust import TrustPolicy

__all__ = ["Answering", "GenerationFailed"]

_SAFE_CUT = re.compile(r"(?:[+(]?\d[\d().+-]*\s+)*\S*$")  # a partial word, and digit-like words before it


class GenerationFailed(Exception):
    pass


class Answering:
    def __init__(self, trust: TrustPolicy, config: PipelineConfig) -> None:
        self.trust, self.config, self.fallback = trust, config, ExtractiveEngine()

    def prompt(self, state: TurnState, agent: Agent, turn: Turn, grounding: Grounding, history: str) -> str:
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

    async def _stream(self, engine: Engine, request: GenerationRequest, state: TurnState) -> AsyncIterator[str]:
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

    async def run(self, state: TurnState, agent: Agent, turn: Turn, grounding: Grounding) -> AsyncIterator[Event]:
        """The answer's delta events (and a trust event when a check acts); `state.answer` is what was said."""
        prompt = self.prompt(state, agent, turn, grounding, await history_block(state))
        request = sampled(GenerationRequest(state.turn_id, "answer", prompt, grounding,
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
