"""Router latency on this machine: median, p99 and max per query, against a baseline in the same run.

The baseline is the bare scikit-learn pipeline (features + predict_proba); the router computes the same
probabilities with its compiled arithmetic (components/routing/compiled.py) and adds context validation
and the decision. Queries are the dev set, so lengths and typos are realistic.
Target (issue 2): p99 under 5 ms on a 2-core machine.

    .venv/bin/python benchmarks/router_latency.py
"""

from __future__ import annotations

import statistics
import time

from rich.console import Console
from rich.progress import track

from components.routing import load_router
from components.routing.devset import load_dev_set

ROUNDS = 3


def _timings(fn, rows) -> list[float]:
    timings = []
    for _ in range(ROUNDS):
        for row in track(rows, description=fn.__name__, transient=True):
            started = time.perf_counter()
            fn(row)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def _summary(timings: list[float]) -> tuple[float, float, float]:
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))], ordered[-1]


def main() -> None:
    router = load_router()
    rows = load_dev_set()
    for row in rows[:50]:
        router.route(row["query"], row["context_type"])  # warm up

    def bare_pipeline(row):
        router.pipeline.predict_proba([(row["query"], row["context_type"])])

    def route(row):
        router.route(row["query"], row["context_type"])

    console = Console()
    baseline = _summary(_timings(bare_pipeline, rows))
    routed = _summary(_timings(route, rows))
    console.print(f"router latency over {len(rows) * ROUNDS} queries (ms)")
    console.print(f"{'':16s}{'median':>9s}{'p99':>9s}{'max':>9s}")
    console.print(f"{'bare pipeline':16s}{baseline[0]:9.3f}{baseline[1]:9.3f}{baseline[2]:9.3f}")
    console.print(f"{'router.route':16s}{routed[0]:9.3f}{routed[1]:9.3f}{routed[2]:9.3f}")
    console.print(f"ratio route/bare: median {routed[0] / baseline[0]:.2f}x, p99 {routed[1] / baseline[1]:.2f}x")
    console.print(f"target p99 < 5 ms: {'met' if routed[1] < 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
