"""The router's frozen test set (data/routing/test_set.jsonl): 330 queries written by hand, apart from the
seeds and never trained on or tuned against row by row.

Written differently from the seeds (components/routing/devset.py): other phrasings and lengths, typos,
companies, certifications and titles the sample network lacks, questions beside every kind of page,
out-of-scope requests that borrow professional words (a colleague's salary, a fake reference, a coding
test to cheat on), and follow-ups that only their conversation makes clear ("Is it hiring?" after a
question about a company). Each row: query, context_type, agent, kind (paraphrase, typo, short, long,
unknown_entity, hard_oos, followup) and, for a follow-up, the previous turn's agent and query.

Labels follow the agents' scope: general_knowledge explains how the working world works in general;
career_advice is about the member's own path (a move, a raise, preparing for their interview, a layoff
to explain); job_assessment, post_takeaways and company_understanding are about a job, a post or a
company, on its page or named; anything else, or anything private, harmful or manipulative, is
out_of_scope.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from components.routing.train import report

__all__ = ["TEST_SET", "load_test_set", "print_test_set_report", "report_on_test_set"]

TEST_SET = Path(__file__).resolve().parents[2] / "data" / "routing" / "test_set.jsonl"


def load_test_set(path: Path = TEST_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def report_on_test_set(router, rows: list[dict] | None = None) -> dict:
    """`router` (a Router) over the test set: the single-turn rows' accuracy and per-class precision and
    recall (out_of_scope's are the decline's), accuracy per kind, and the follow-ups' apart. A follow-up is
    routed with its previous turn's agent; a router without that feature answers it from the question alone."""
    rows = rows if rows is not None else load_test_set()

    def route(row: dict) -> str:
        previous = row["previous"]["agent"] if row.get("previous") else None
        return router.route(row["query"], row["context_type"], previous).agent

    single = [row for row in rows if row["kind"] != "followup"]
    followups = [row for row in rows if row["kind"] == "followup"]
    predicted = {id(row): route(row) for row in rows}
    metrics = report(single, [predicted[id(row)] for row in single])
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        by_kind[row["kind"]].append(predicted[id(row)] == row["agent"])
    metrics["by_kind"] = {kind: round(sum(hits) / len(hits), 4) for kind, hits in sorted(by_kind.items())}
    metrics["followups"] = {"n": len(followups), "accuracy": metrics["by_kind"].get("followup", 0.0),
                            "errors": [{"query": r["query"], "previous": r["previous"], "truth": r["agent"],
                                        "predicted": predicted[id(r)]}
                                       for r in followups if predicted[id(r)] != r["agent"]]}
    return metrics


def print_test_set_report(metrics: dict, version: str, console: Console) -> None:
    oos = metrics["per_class"]["out_of_scope"]
    table = Table(title=f"{version} on the frozen hand-written test set (n={metrics['n']} single-turn, accuracy "
                        f"{metrics['accuracy']:.3f}; out-of-scope precision {oos['precision']:.3f}, "
                        f"recall {oos['recall']:.3f})")
    for column in ("agent", "precision", "recall", "support"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    for agent, m in metrics["per_class"].items():
        table.add_row(agent, f"{m['precision']:.3f}", f"{m['recall']:.3f}", str(int(m["support"])))
    console.print(table)
    console.print("accuracy by kind: " + ", ".join(f"{kind} {value:.2f}" for kind, value in metrics["by_kind"].items())
                  + f" ({metrics['followups']['n']} follow-ups)")
