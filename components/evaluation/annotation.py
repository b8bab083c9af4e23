"""The human annotation loop: a queue file out (with the rubric), labels in, judge-human agreement.

The queue is JSONL, one conversation per line with empty label fields, which annotation tools
(Label Studio, Argilla, a spreadsheet via CSV) load directly; the rubric travels in the file's first
line so an annotator sees the criteria the labels are for. Labels come back as the same lines with
the fields filled in; each label set is stored under its rubric version, so criteria and labels are
versioned together.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.evaluation.rubric import Rubric
from components.evaluation.stats import agreement

__all__ = ["BINARY", "AnnotationError", "export_queue", "import_labels", "judge_human_agreement"]

BINARY = {"hallucination": "hallucination", "rai_violation": "rai_violation", "good": "good"}
LABEL_FIELDS = ("overall_quality", "hallucination", "rai_violation", "coherence", "style")


class AnnotationError(ValueError):
    """A label file is malformed; the message names the line and the field."""


def export_queue(rubric: Rubric, turns: list[dict[str, Any]], path: Path) -> Path:
    """Writes the annotation queue: a header line with the rubric, then one line per turn to label."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"kind": "rubric", "rubric": rubric.ref, "dimensions": rubric.model_dump(mode="json")["dimensions"],
              "agents": {name: g.guideline for name, g in rubric.agents.items()}}
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(header, ensure_ascii=False) + "\n")
        for turn in turns:
            item = {"kind": "item", "turn_id": turn["turn_id"], "agent": turn.get("agent"), "query": turn.get("query"),
                    "context": f"{turn.get('context_type')} {turn.get('context_id') or ''}".strip(),
                    "evidence": turn.get("dossier"), "answer": turn.get("answer"), "rubric": rubric.ref,
                    **{name: None for name in LABEL_FIELDS}, "annotator": None}
            out.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")
    return path


def import_labels(path: Path, rubric: Rubric) -> list[dict[str, Any]]:
    """Completed labels from a queue file; unlabelled items are skipped, malformed ones rejected."""
    labels = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise AnnotationError(f"{path}:{number}: not JSON ({exc})") from None
        if item.get("kind") != "item" or all(item.get(f) is None for f in LABEL_FIELDS):
            continue
        if item.get("rubric") != rubric.ref:
            raise AnnotationError(f"{path}:{number}: labelled under {item.get('rubric')}, not {rubric.ref}")
        for name in ("hallucination", "rai_violation"):
            if not isinstance(item.get(name), bool):
                raise AnnotationError(f"{path}:{number}: '{name}' must be true or false, got {item.get(name)!r}")
        for name in ("overall_quality", "coherence", "style"):
            if not isinstance(item.get(name), int) or not 1 <= item[name] <= 5:
                raise AnnotationError(f"{path}:{number}: '{name}' must be an integer 1-5, got {item.get(name)!r}")
        labels.append({k: item[k] for k in ("turn_id", *LABEL_FIELDS, "annotator")} | {"rubric": rubric.ref})
    return labels


def judge_human_agreement(scores: list[dict[str, Any]], labels: list[dict[str, Any]],
                          good_at_least: int = 4) -> dict[str, dict[str, float]]:
    """Per dimension: Cohen's kappa and the judge's TPR/TNR against the human labels, on shared turns."""
    by_turn = {s["turn_id"]: s for s in scores}
    shared = [(by_turn[label["turn_id"]], label) for label in labels if label["turn_id"] in by_turn]
    if not shared:
        return {}
    report = {}
    for name in ("hallucination", "rai_violation"):
        report[name] = agreement([bool(s[name]) for s, _ in shared], [bool(h[name]) for _, h in shared])
    report["good"] = agreement([s["overall_quality"] >= good_at_least for s, _ in shared],
                               [h["overall_quality"] >= good_at_least for _, h in shared])
    for name in ("coherence", "style"):  # ordinal: agreement on "acceptable" (>= 4)
        report[name] = agreement([s[name] >= 4 for s, _ in shared], [h[name] >= 4 for _, h in shared])
    return report
