"""The simulator: an LLM's timing without an LLM, for load tests and CI.

Time to first token and time between tokens are configured for a lone stream and grow with the
number of concurrent streams, as batching on a GPU makes them. Outputs are scripted, or built from
the grounding: plans are the agent's plan (optionally written with the YAML mistakes LLMs make) and
answers are the extractive answer. Failures and stalls are injected at set rates, deterministically
per request id, so a test can rely on which request fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections.abc import AsyncIterator

from components.engines.base import Engine, EngineError, EngineEvent, GenerationRequest, StreamClock, TextDelta
from components.engines.config import SimConfig
from components.engines.extractive import compose_answer

__all__ = ["SimEngine", "inject_yaml_mistakes"]


def inject_yaml_mistakes(plan: str, rng: random.Random) -> str:
    """Rewrites a valid YAML plan the way LLMs get it wrong; the defensive parser must still read it."""
    mistakes = [
        lambda t: f"Here is the plan:\n```yaml\n{t}```\nI will run these calls.",
        lambda t: re.sub(r"^(\s*)- ", r"\1* ", t, flags=re.MULTILINE),
        lambda t: re.sub(r"^(\s+)(\w+): (?=\S)", r"\1\2:", t, count=2, flags=re.MULTILINE),
        lambda t: t.replace("params:", "parameters:"),
        lambda t: t.replace("\n", "\r\n"),
        lambda t: t.replace("skill:", "**skill**:"),
    ]
    for mistake in rng.sample(mistakes, k=rng.randint(1, 3)):
        plan = mistake(plan)
    return plan


class SimEngine(Engine):
    name = "sim"
    model = "sim-v1"

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.active = 0
        self._script = 0

    def _rng(self, request_id: str) -> random.Random:
        digest = hashlib.sha256(f"{self.config.seed}:{request_id}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def _output(self, request: GenerationRequest, rng: random.Random) -> str:
        if self.config.output == "scripted":
            if not self.config.script:
                raise EngineError("sim engine is scripted but its script is empty")
            text = self.config.script[self._script % len(self.config.script)]
            self._script += 1
            return text
        if request.task == "plan":
            plan = request.grounding.default_plan
            return inject_yaml_mistakes(plan, rng) if rng.random() < self.config.yaml_mistake_rate else plan
        return compose_answer(request.grounding)

    def _contention(self) -> float:
        return 1 + self.config.tbt_growth_per_stream * max(self.active - 1, 0)

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        rng = self._rng(request.request_id)
        fail, stall = rng.random() < self.config.error_rate, rng.random() < self.config.stall_rate
        text = self._output(request, rng)
        pieces = re.findall(r"\S+\s*|\s+", text) or [""]
        clock = StreamClock()
        self.active += 1
        try:
            await asyncio.sleep(self.config.ttft_ms / 1000 * self._contention())
            for index, piece in enumerate(pieces[: request.max_tokens]):
                if index and (fail or stall) and index == len(pieces) // 2:
                    if fail:
                        raise EngineError("sim: injected failure mid-stream")
                    await asyncio.sleep(self.config.stall_s)
                if index:
                    await asyncio.sleep(self.config.tbt_ms / 1000 * self._contention())
                clock.token()
                yield TextDelta(piece)
            yield clock.finished(request.prompt, text, "stop" if len(pieces) <= request.max_tokens else "length")
        finally:
            self.active -= 1
