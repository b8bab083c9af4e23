"""build_examples: curated examples plus production turns that earned it -> a new examples table version.

A production turn becomes an example when a member gave it a thumbs-up *and* the nightly evaluation
scored it good (quality at or above the rubric's bar, no hallucination, no RAI finding). The table
records the embedder version; serving switches to the new version within pipeline.examples_poll_s.

    python -m flows.build_examples
    python -m flows.build_examples --days 14
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from components.config import SwitchboardConfig, load_config
from components.conversation_log import ConversationLog
from components.retrieval import Example, ExampleIndex, HashingEmbedder, load_examples
from flows import beside_the_stack


@task(retries=2, retry_delay_seconds=2)
def curated() -> list[Example]:
    return load_examples()


@task(retries=2, retry_delay_seconds=2)
def promoted_turns(home: str, days: int) -> list[Example]:
    """Thumbs-up turns of the last `days` days that the nightly evaluation scored good."""
    root = Path(home)
    since = datetime.now(UTC).date() - timedelta(days=days)
    score_files = [p for p in (root / "eval").glob("day=*/scores/*.parquet")
                   if p.parents[1].name.removeprefix("day=") >= since.isoformat()]
    if not score_files:
        return []
    good = pl.concat([pl.read_parquet(p).select("turn_id", "good") for p in score_files], how="vertical_relaxed")
    good_ids = set(good.filter(pl.col("good"))["turn_id"].to_list())
    turns = ConversationLog(root / "logs").scan().filter(
        (pl.col("feedback_rating") == "up") & pl.col("in_scope") & pl.col("turn_id").is_in(list(good_ids))
        & (pl.col("timestamp").dt.date() >= since)).collect()
    return [Example(f"prod-{row['turn_id']}", row["agent"], row["query"], row["answer"], "production")
            for row in turns.to_dicts()]


@task
def merge(curated_examples: list[Example], production: list[Example]) -> list[Example]:
    """Every curated example, plus production turns whose (agent, normalised query) is not already there."""
    def key(example: Example) -> tuple[str, str]:
        return example.agent, " ".join(example.query.lower().split())

    seen = {key(e) for e in curated_examples}
    merged = list(curated_examples)
    for example in production:
        if key(example) not in seen:
            seen.add(key(example))
            merged.append(example)
    return merged


@task(retries=1, retry_delay_seconds=2)
def write_table(home: str, examples: list[Example]) -> dict:
    index = ExampleIndex.build(examples, HashingEmbedder(), Path(home))
    return {"table_version": index.version, "embedder": index.embedder_version, "rows": len(examples),
            "by_agent": dict(Counter(e.agent for e in examples)),
            "by_source": dict(Counter(e.source for e in examples))}


@task(retries=2, retry_delay_seconds=3)
def log_to_mlflow(config: SwitchboardConfig, built: dict) -> str | None:
    if not config.mlflow.tracking_uri:
        return None
    from components.versions.tracking import keyed_run

    metrics = {"rows": built["rows"], **{f"agent.{k}": v for k, v in built["by_agent"].items()},
               **{f"source.{k}": v for k, v in built["by_source"].items()}}
    return keyed_run(config.mlflow.tracking_uri, "switchboard-build-examples", "switchboard.examples_version",
                     str(built["table_version"]), run_name=f"examples-v{built['table_version']}",
                     tags={"embedder": built["embedder"]}, params={"table_version": built["table_version"],
                                                                   "embedder": built["embedder"]},
                     metrics=metrics, dicts={"build.json": built})


@flow(name="build_examples", log_prints=True)
def build_examples(days: int = 7) -> dict:
    """Builds a new examples table version from curated examples and recent promoted production turns."""
    config = load_config()
    home = str(config.home)
    examples = merge(curated(), promoted_turns(home, days))
    built = write_table(home, examples)
    built["mlflow_run"] = log_to_mlflow(config, built)
    get_run_logger().info("examples table v%s: %s", built["table_version"], json.dumps(built["by_source"]))
    create_markdown_artifact(
        f"# Examples table v{built['table_version']}\n\n{built['rows']} examples embedded with `{built['embedder']}`"
        f"\n\n| source | rows |\n| --- | --- |\n" + "".join(f"| {k} | {v} |\n" for k, v in built["by_source"].items())
        + "\n| agent | rows |\n| --- | --- |\n" + "".join(f"| {k} | {v} |\n" for k, v in built["by_agent"].items()),
        key="examples-table", description="What the new examples table holds")
    return built


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7, help="Production turns from this many recent days.")
    days = parser.parse_args().days
    with beside_the_stack():
        build_examples(days)
