"""Embedders on this machine, the hashing baseline beside the real one, in the same run.

- one query at a time (the router's and the examples' path while a turn waits): median, p99, max;
- in bulk (the skew check's and the examples table's path): sentences a second over the dev set's queries.

Targets (issue 30), on 2 cores: a single query under 10 ms p99; 50,000 rows in under 60 s for the skew check.

    .venv/bin/python benchmarks/embedders.py [--bulk 2000]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

from rich.console import Console
from rich.progress import track
from rich.table import Table

from components.retrieval.embedder import HashingEmbedder
from components.retrieval.minilm import MiniLMEmbedder
from components.routing.devset import load_dev_set

ROUNDS = 2


def _single(embedder, queries: list[str]) -> tuple[float, float, float]:
    timings = []
    for _ in range(ROUNDS):
        for query in track(queries, description=f"{embedder.version}: one at a time", transient=True):
            started = time.perf_counter()
            embedder.embed([query])
            timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    return statistics.median(ordered), ordered[int(0.99 * (len(ordered) - 1))], ordered[-1]


def _bulk(embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    embedder.embed(texts)
    return len(texts) / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=500, help="Dev-set queries embedded one at a time")
    parser.add_argument("--bulk", type=int, default=2000, help="Dev-set queries embedded in one call")
    args = parser.parse_args(argv)
    queries = [row["query"] for row in load_dev_set()]
    single, bulk = queries[:args.queries], (queries * (args.bulk // len(queries) + 1))[:args.bulk]

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    minilm = MiniLMEmbedder.installed()
    minilm.embed(["warm up"])
    load_s = time.perf_counter() - started
    rss_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    two_threads = MiniLMEmbedder.installed(threads=2)
    embedders = [HashingEmbedder(), minilm, two_threads]
    for embedder in embedders:
        embedder.embed(single[:20])  # warm up

    table = Table(title=f"embedders, {os.cpu_count()} CPUs ({len(single) * ROUNDS} single queries, "
                        f"{len(bulk)} in bulk)")
    for column in ("embedder", "median ms", "p99 ms", "max ms", "bulk sentences/s", "50,000 rows (s)"):
        table.add_column(column, justify="left" if column == "embedder" else "right")
    results = {}
    for embedder, label in zip(embedders, ("hashing", "MiniLM, 1 thread (the default)", "MiniLM, 2 threads"),
                               strict=True):
        median, p99, worst = _single(embedder, single)
        rate = _bulk(embedder, bulk)
        results[label] = (median, p99, rate)
        table.add_row(f"{label}: {embedder.version}", f"{median:.2f}", f"{p99:.2f}", f"{worst:.2f}", f"{rate:,.0f}",
                      f"{50_000 / rate:.0f}")
    console = Console()
    console.print(table)
    hashing, real = results["hashing"], results["MiniLM, 1 thread (the default)"]
    console.print(f"MiniLM: load {load_s:.1f} s, +{rss_mib:.0f} MiB RSS; single query median "
                  f"{real[0] / hashing[0]:.0f}x the hashing embedder's, bulk {hashing[2] / real[2]:.0f}x slower")
    console.print(f"target single-query p99 < 10 ms: {'met' if real[1] < 10 else 'NOT met'}; 50,000 rows < 60 s: "
                  f"{'met' if 50_000 / real[2] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
