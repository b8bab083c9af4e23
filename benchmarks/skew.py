"""Time of the skew checks at production scale: structural on one million log rows, semantic on 50k.

The semantic check embeds a sample of `sample_rows` a side (2,000) with the project's embedder (the
model), each distinct masked text once. Resampled rows repeat, so the benchmark also times the model on
as many distinct texts as the sample can hold (2 x 2,000 queries and responses): the worst case, where
no logged text repeats.

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
    from components.retrieval.registry import default_embedder
    from components.skew.semantic import SemanticSettings, mask_names

    embedder, side = default_embedder(bulk=True), SemanticSettings().sample_rows
    texts = mask_names(population["query"].to_list() + population["response"].to_list())
    started = time.perf_counter()
    embedder.embed(texts)
    per_text = (time.perf_counter() - started) / len(texts)
    console.print(f"{embedder.version}: {1 / per_text:.0f} texts/s on {len(texts):,} masked queries and responses; "
                  f"worst case (every one of 2 x {side:,} queries and responses distinct): "
                  f"{4 * side * per_text:.0f} s of embedding")


if __name__ == "__main__":
    main()
