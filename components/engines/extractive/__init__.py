"""The extractive engine: CPU, no weights, every sentence built from facts in the dossier.

It is the embedded default and the degraded mode when the GPU tier is slow or down. For the plan
task it writes the agent's deterministic plan; for answers it composes per agent: job fit as the
requirements the profile matches and misses, post takeaways as the most central sentences, company
overviews from the company record and its news, career advice from the profile and matching jobs,
general knowledge from the best articles, always with their sources.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from components.engines.base import Engine, EngineEvent, GenerationRequest, StreamClock, TextDelta
from components.engines.extractive.answers import compose_answer
from components.engines.extractive.text import split_sentences

__all__ = ["ExtractiveEngine", "compose_answer", "split_sentences"]


def _pieces(text: str) -> list[str]:
    return re.findall(r"\S+\s*|\s+", text)


class ExtractiveEngine(Engine):
    name = "extractive"
    model = "extractive-v1"

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        clock = StreamClock()
        text = request.grounding.default_plan if request.task == "plan" else compose_answer(request.grounding)
        for piece in _pieces(text):
            clock.token()
            yield TextDelta(piece)
        yield clock.finished(request.prompt, text)
