"""An LLM judge through the Engine interface: the rubric as instructions, scores as YAML, parsed defensively."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, Field

from components.engines import Engine, EngineError, GenerationRequest, Grounding, TextDelta
from components.evaluation.groundedness import evidence_text
from components.evaluation.rubric import Rubric
from components.structured import ParseError, parse_yaml

__all__ = ["JudgeScores", "judge_logged_turns", "judge_prompt", "judge_turn"]


class JudgeScores(BaseModel):
    overall_quality: int = Field(ge=1, le=5)
    hallucination: bool
    rai_violation: bool
    coherence: int = Field(ge=1, le=5)
    style: int = Field(ge=1, le=5)
    rationale: str = ""


def judge_prompt(rubric: Rubric, agent: str, query: str, evidence: str, answer: str) -> str:
    guide = rubric.guideline(agent)
    dimensions = "\n".join(f"- {name} ({d.scale if isinstance(d.scale, str) else f'{d.scale[0]}-{d.scale[1]}'}): "
                           f"{d.definition}" for name, d in rubric.dimensions.items())
    return (f"You are an annotator scoring an assistant's answer ({rubric.ref}).\n\nDimensions:\n{dimensions}\n\n"
            f"Agent guideline ({agent}): {guide.guideline}\nGood: {guide.good_example}\nBad: {guide.bad_example}\n\n"
            f"<evidence>\n{evidence[:6000]}\n</evidence>\n\nQuestion: {query}\n\nAnswer:\n{answer}\n\n"
            "Reply with YAML only: overall_quality, hallucination, rai_violation, coherence, style, rationale.")


async def judge_turn(engine: Engine, rubric: Rubric, turn_id: str, agent: str, query: str, evidence: str,
                     answer: str, timeout_s: float = 60.0) -> JudgeScores | None:
    """The judge's scores, or None when it fails or writes something unparseable (counted, not fatal)."""
    request = GenerationRequest(f"judge-{turn_id}", "answer", judge_prompt(rubric, agent, query, evidence, answer),
                                Grounding(agent, query), max_tokens=300)
    text = []
    try:
        async with asyncio.timeout(timeout_s):
            async for event in engine.generate(request):
                if isinstance(event, TextDelta):
                    text.append(event.text)
        return parse_yaml("".join(text), JudgeScores)
    except (EngineError, ParseError, TimeoutError):
        return None


async def judge_logged_turns(engine: Engine, rubric: Rubric, turns: list[dict[str, Any]]) -> list[JudgeScores | None]:
    """The judge on conversation-log rows, concurrently, each against the evidence its dossier held."""
    return await asyncio.gather(*(judge_turn(
        engine, rubric, turn["turn_id"], turn["agent"], turn["query"],
        evidence_text(turn["query"], f"{turn['context_type']} {turn['context_id'] or ''}", turn["dossier"] or "[]"),
        turn["answer"] or "") for turn in turns))
