"""Scores one logged turn on the rubric: code assertions, model-free evaluators, and the LLM judge if any."""

from __future__ import annotations

import json
from typing import Any

from components.evaluation.assertions import check_assertions
from components.evaluation.groundedness import evidence_text, unsupported_claims
from components.evaluation.measures import coherence_score, rai_findings, style_score
from components.evaluation.rubric import Rubric

__all__ = ["SCORE_COLUMNS", "context_name", "score_turn"]

SCORE_COLUMNS = ("overall_quality", "hallucination", "rai_violation", "coherence", "style")


def context_name(dossier: list[dict[str, Any]]) -> str | None:
    """The page's name from the dossier (company name, job title's company, post author), for assertions."""
    for entry in dossier:
        data = entry.get("data") or {}
        if isinstance(data, dict):
            for key in ("name", "company"):
                if isinstance(data.get(key), str):
                    return data[key]
    return None


def _json(value: Any, default: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return default
    return value if value is not None else default


def score_turn(rubric: Rubric, turn: dict[str, Any]) -> dict[str, Any]:
    """The model-free scores of a turn (a conversation-log row), with the findings behind each."""
    answer = turn.get("answer") or ""
    dossier = _json(turn.get("dossier"), [])
    context = f"{turn.get('context_type')} {turn.get('context_id') or ''}"
    evidence = evidence_text(turn.get("query") or "", context, dossier)
    claims = unsupported_claims(answer, evidence) if turn.get("trust_action") != "block" else []
    rai = rai_findings(turn.get("query") or "", answer, evidence)
    failures = check_assertions(rubric, turn, context_name(dossier))
    coherence, coherence_issues = coherence_score(answer, turn.get("degraded"))
    style, style_issues = style_score(answer)
    quality = 5 - min(2, len(failures)) - (2 if claims else 0) - (1 if turn.get("degraded") else 0)
    quality -= 1 if min(coherence, style) <= 3 else 0
    failed_skills = list(turn.get("failed_skills") or [])
    partial = bool(turn.get("partial")) or bool(failed_skills)
    if partial:  # answered without what failed skills would have said: at best acceptable, never good
        quality = min(quality, 3)
    if rai or turn.get("error_code") or not answer.strip():
        quality = 1
    return {"turn_id": turn["turn_id"], "agent": turn.get("agent") or "unknown",
            "overall_quality": max(1, quality), "hallucination": bool(claims), "rai_violation": bool(rai),
            "coherence": coherence, "style": style,
            "good": max(1, quality) >= (rubric.dimensions["overall_quality"].good_at_least or 4)
            and not claims and not rai and not partial,
            "partial": partial, "failed_skills": json.dumps(failed_skills),
            "findings": json.dumps({"unsupported": [c.text for c in claims], "rai": rai, "assertions": failures,
                                    "coherence": coherence_issues, "style": style_issues}),
            "rubric": rubric.ref}
