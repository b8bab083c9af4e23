"""Time of the skew checks at production scale: structural on one million log rows, semantic on 50k.

Rows are resampled from 2,000 production-like turns of the real pipeline (so the text is realistic),
the reference and current halves drawn independently. The baseline in the same run is reading the
two samples and computing nothing but their lengths in polars: the floor for any structural check.

    .venv/bin/python benchmarks/skew.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STRUCTURAL_ROWS, SEMANTIC_ROWS = 1_000_000, 50_000


def _population() -> pl.DataFrame:
    from components.config import load_config
    from components.conversation_log import ConversationLog
    from components.evaluation.traffic import simulate
    from components.network import NetworkStore
    from components.pipeline import build_pipeline
    from components.stack.local import sample_apis

    home = Path(tempfile.mkdtemp(prefix="switchboard-skew-bench-"))
    network = NetworkStore.load()
    with sample_apis(config := load_config(environ={"SWITCHBOARD_HOME": str(home)})):
        asyncio.run(simulate(build_pipeline(config), network, 2000, seed=8))
    return ConversationLog(home / "logs").read().rename({"answer": "response"}).select(
        "query", "response", "agent", "context_type")


def main() -> None:
    from components.skew import semantic_skew, structural_skew

    console = Console(width=120)
    population = _population()
    table = Table(title="Skew checks (2 cores)")
    for column in ("check", "rows per side", "baseline: lengths only (s)", "check (s)", "ratio", "drift"):
        table.add_column(column, justify="right")
    checks = (("structural", STRUCTURAL_ROWS, structural_skew), ("semantic", SEMANTIC_ROWS, semantic_skew))
    for name, rows, run in checks:
        reference = population.sample(rows, with_replacement=True, seed=1)
        current = population.sample(rows, with_replacement=True, seed=2)
        started = time.perf_counter()
        reference.select(pl.col("query", "response").str.len_chars()).sum()
        current.select(pl.col("query", "response").str.len_chars()).sum()
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        report = run(reference, current)
        took = time.perf_counter() - started
        table.add_row(name, f"{rows:,}", f"{baseline:.2f}", f"{took:.1f}", f"{took / baseline:.0f}x",
                      str(report["drift"]))
    console.print(table)
    console.print("Both samples are drawn from the same population, so 'drift' should read False.")


if __name__ == "__main__":
    main()
