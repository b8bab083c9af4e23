"""What goes into a new examples table: the curated examples, plus production turns that earned it.

A production turn becomes an example when a member gave it a thumbs-up *and* the nightly evaluation
scored it good (quality at or above the rubric's bar, no hallucination, no RAI finding).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from components.conversation_log import ConversationLog
from components.evaluation.nightly import EvalDay
from components.retrieval.embedder import Embedder
from components.retrieval.examples import Example, ExampleIndex
from components.versions.tracking import TrackedRun

__all__ = ["build_table", "examples_run", "merge_examples", "promoted_turns"]


def promoted_turns(home: Path, since: date) -> list[Example]:
    """Thumbs-up turns logged on `since` or later that the nightly evaluation scored good."""
    good_ids = EvalDay.good_turn_ids(home, since)
    if not good_ids:
        return []
    turns = ConversationLog(Path(home) / "logs").scan().filter(
        (pl.col("feedback_rating") == "up") & pl.col("in_scope") & pl.col("turn_id").is_in(list(good_ids))
        & (pl.col("timestamp").dt.date() >= since)).collect()
    return [Example(f"prod-{row['turn_id']}", row["agent"], row["query"], row["answer"], "production")
            for row in turns.to_dicts()]


def merge_examples(curated: list[Example], production: list[Example]) -> list[Example]:
    """Every curated example, plus production turns whose (agent, normalised query) is not already there."""
    def key(example: Example) -> tuple[str, str]:
        return example.agent, " ".join(example.query.lower().split())

    seen = {key(e) for e in curated}
    merged = list(curated)
    for example in production:
        if key(example) not in seen:
            seen.add(key(example))
            merged.append(example)
    return merged


def build_table(home: Path, examples: list[Example], embedder: Embedder) -> dict[str, Any]:
    """Writes a new table version; returns what it holds (version, embedder, rows by agent and by source)."""
    index = ExampleIndex.build(examples, embedder, Path(home))
    return {"table_version": index.version, "embedder": index.embedder_version, "rows": len(examples),
            "by_agent": dict(Counter(e.agent for e in examples)),
            "by_source": dict(Counter(e.source for e in examples))}


def examples_run(built: dict[str, Any]) -> TrackedRun:
    """The new table version as an MLflow run keyed by that version."""
    metrics = {"rows": built["rows"], **{f"agent.{k}": v for k, v in built["by_agent"].items()},
               **{f"source.{k}": v for k, v in built["by_source"].items()}}
    return TrackedRun("switchboard-build-examples", "switchboard.examples_version", str(built["table_version"]),
                      run_name=f"examples-v{built['table_version']}", tags={"embedder": built["embedder"]},
                      params={"table_version": built["table_version"], "embedder": built["embedder"]},
                      metrics=metrics, dicts={"build.json": built})
