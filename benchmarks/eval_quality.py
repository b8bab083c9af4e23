"""Precision and recall of the groundedness evaluator on the labelled set (data/eval/groundedness.jsonl).

120 real answers from the sample network, each with one inserted sentence: half state a name or number
the evidence does not hold (planted), half add nothing new. An answer is flagged when the evaluator
finds any unsupported claim. Goal (issue 7): precision and recall both at least 0.85. The baseline in
the same run is a numbers-only check, to show what checking names adds.

    .venv/bin/python benchmarks/eval_quality.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.evaluation.groundedness import evidence_text, unsupported_claims  # noqa: E402
from components.evaluation.labelled_set import LABELLED_FILE  # noqa: E402


def _scores(rows: list[dict], flag) -> dict[str, float]:
    tp = sum(1 for r in rows if flag(r) and r["planted"])
    fp = sum(1 for r in rows if flag(r) and not r["planted"])
    fn = sum(1 for r in rows if not flag(r) and r["planted"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}


def main() -> None:
    rows = [json.loads(line) for line in LABELLED_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    timings, claims = [], {}
    for row in rows:
        started = time.perf_counter()
        evidence = evidence_text(row["query"], row["context"], row["dossier"])
        claims[row["id"]] = unsupported_claims(row["answer"], evidence)
        timings.append((time.perf_counter() - started) * 1000)
    full = _scores(rows, lambda r: bool(claims[r["id"]]))
    numbers = _scores(rows, lambda r: any(c.kind == "number" for c in claims[r["id"]]))
    table = Table(title=f"Groundedness on {len(rows)} labelled answers ({sum(r['planted'] for r in rows)} planted)")
    for column in ("evaluator", "precision", "recall", "TP", "FP", "FN"):
        table.add_column(column, justify="right")
    for name, s in (("names + numbers (shipped)", full), ("numbers only (baseline)", numbers)):
        table.add_row(name, f"{s['precision']:.3f}", f"{s['recall']:.3f}", str(s["tp"]), str(s["fp"]), str(s["fn"]))
    console = Console(width=120)
    console.print(table)
    console.print(f"median {statistics.median(timings):.2f} ms per answer; goal precision and recall >= 0.85: "
                  f"{'met' if min(full['precision'], full['recall']) >= 0.85 else 'MISSED'}")
    for row in rows:
        wrong = bool(claims[row["id"]]) != row["planted"]
        if wrong:
            console.print(f"  {'missed' if row['planted'] else 'false alarm'}: {row['inserted']!r} "
                          f"{[c.text for c in claims[row['id']]]}")


if __name__ == "__main__":
    main()
