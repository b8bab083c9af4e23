"""The two routers side by side: accuracy on the frozen test set, and latency per query on this machine.

The baseline, measured in the same run, is the TF-IDF router (words, characters, page, lexicons) fitted
here on the same dev set; the shipped router embeds the query with all-MiniLM-L6-v2 first. Latency is
`router.route` per query (embedding included), one query at a time as a turn asks, over the test set's
queries (realistic lengths and typos, none seen in training). Targets (issue 30): p99 under 10 ms
including the embedding; accuracy and out-of-scope precision and recall of 0.95 on the test set.

    .venv/bin/python benchmarks/router_latency.py
"""

from __future__ import annotations

import statistics
import time

from rich.console import Console
from rich.progress import track
from rich.table import Table

from components.routing import load_router
from components.routing.devset import load_dev_set
from components.routing.testset import load_test_set, report_on_test_set
from components.routing.train import build_lexicon, build_tfidf_pipeline, train

ROUNDS = 3


def _latency(router, rows: list[dict]) -> tuple[float, float, float]:
    for row in rows[:30]:
        router.route(row["query"], row["context_type"])  # warm up
    timings = []
    for _ in range(ROUNDS):
        for row in track(rows, description=router.version, transient=True):
            previous = row["previous"]["agent"] if row.get("previous") else None
            started = time.perf_counter()
            router.route(row["query"], row["context_type"], previous)
            timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))], ordered[-1]


def main() -> None:
    console = Console(width=130)
    rows = load_test_set()
    baseline = train(load_dev_set(), build_lexicon(), 0.45, build=build_tfidf_pipeline)
    routers = {"TF-IDF (baseline)": baseline, "embeddings (shipped)": load_router()}
    table = Table(title=f"Routers on the frozen test set ({len(rows)} queries; latency over {len(rows) * ROUNDS} "
                        "routes, one at a time)")
    for column in ("router", "accuracy", "out-of-scope P", "out-of-scope R", "follow-ups", "median ms", "p99 ms",
                   "max ms"):
        table.add_column(column, justify="left" if column == "router" else "right")
    results = {}
    for name, router in routers.items():
        metrics = report_on_test_set(router, rows)
        latency = _latency(router, rows)
        results[name] = (metrics, latency)
        oos = metrics["per_class"]["out_of_scope"]
        table.add_row(f"{name}\n{router.version}", f"{metrics['accuracy']:.3f}", f"{oos['precision']:.3f}",
                      f"{oos['recall']:.3f}", f"{metrics['followups']['accuracy']:.2f}",
                      *(f"{value:.2f}" for value in latency))
    console.print(table)
    (base, base_latency), (new, new_latency) = results.values()
    console.print(f"ratio embeddings/TF-IDF: median {new_latency[0] / base_latency[0]:.1f}x, "
                  f"p99 {new_latency[1] / base_latency[1]:.1f}x; accuracy {new['accuracy'] - base['accuracy']:+.3f}")
    oos = new["per_class"]["out_of_scope"]
    met = {"p99 < 10 ms": new_latency[1] < 10, "accuracy >= 0.95": new["accuracy"] >= 0.95,
           "out-of-scope P and R >= 0.95": min(oos["precision"], oos["recall"]) >= 0.95}
    console.print("targets: " + ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in met.items()))


if __name__ == "__main__":
    main()
