"""The nightly evaluation's scores as assessments on the traces of the turns it scored.

Each scored dimension (overall quality, hallucination, Responsible-AI, coherence, style) becomes a
feedback assessment named `nightly.<dimension>` from the code evaluators (source CODE, the rubric's ref as
its id, the findings as the rationale), and the LLM judge's verdict, where one ran, `judge.<dimension>`
with the judge's rationale. A turn that was not traced (sampling) is counted, not an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from components.tracing.exporter import connect, find_trace

__all__ = ["DIMENSIONS", "assess_scored_turns"]

DIMENSIONS = ("overall_quality", "hallucination", "rai_violation", "coherence", "style")


def assess_scored_turns(tracking_uri: str, experiment: str, scores: Iterable[dict[str, Any]],
                        timeout_s: float = 10.0) -> dict[str, int]:
    """Writes each score row's dimensions on its turn's trace: {'assessed': traces, 'untraced': turns}."""
    # start-up time: with MLflow, which connect loads
    import mlflow
    from mlflow.entities import AssessmentSource

    client, experiment_id = connect(tracking_uri, experiment, timeout_s)
    counts = {"assessed": 0, "untraced": 0}
    for score in scores:
        trace_id = find_trace(client, experiment_id, score["turn_id"])
        if trace_id is None:
            counts["untraced"] += 1
            continue
        code = AssessmentSource(source_type="CODE", source_id=score.get("rubric") or "rubric")
        findings = score.get("findings") or ""
        for dimension in DIMENSIONS:
            mlflow.log_feedback(trace_id=trace_id, name=f"nightly.{dimension}", value=score[dimension], source=code,
                                rationale=findings if findings not in ("", "{}") else None)
        if score.get("judge"):
            verdict = json.loads(score["judge"])
            judge = AssessmentSource(source_type="LLM_JUDGE", source_id="engines.judge")
            for dimension in DIMENSIONS:
                mlflow.log_feedback(trace_id=trace_id, name=f"judge.{dimension}", value=verdict[dimension],
                                    source=judge, rationale=verdict.get("rationale") or None)
        counts["assessed"] += 1
    return counts
