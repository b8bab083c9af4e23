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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from components.config import load_config
from components.retrieval import Example, load_examples
from components.retrieval.building import build_table, examples_run, merge_examples, promoted_turns
from components.retrieval.registry import default_embedder
from flows import beside_the_stack, track


@task(retries=2, retry_delay_seconds=2)
def curated() -> list[Example]:
    return load_examples()


@task(retries=2, retry_delay_seconds=2)
def production_turns(home: str, days: int) -> list[Example]:
    return promoted_turns(Path(home), datetime.now(UTC).date() - timedelta(days=days))


@task
def merge(curated_examples: list[Example], production: list[Example]) -> list[Example]:
    return merge_examples(curated_examples, production)


@task(retries=1, retry_delay_seconds=2)
def write_table(home: str, examples: list[Example]) -> dict:
    return build_table(Path(home), examples, default_embedder())


@flow(name="build_examples", log_prints=True)
def build_examples(days: int = 7) -> dict:
    """Builds a new examples table version from curated examples and recent promoted production turns."""
    config = load_config()
    home = str(config.home)
    examples = merge(curated(), production_turns(home, days))
    built = write_table(home, examples)
    built["mlflow_run"] = track(config, examples_run(built))
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
