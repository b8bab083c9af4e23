"""retention: delete what members asked and were told once it is older than `retention.keep_days`.

Removes the conversation log's day partitions before the cutoff, conversation history files whose last
turn is before it, and the per-turn files of evaluations before it (each night's summary stays, for the
trend). Scheduled daily in infra/prefect.yaml; a dry run reports what it would delete.

    python -m flows.retention --dry-run
    python -m flows.retention --keep-days 30
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from components.config import load_config
from components.conversation_log.retention import Pruned, cutoff_for, prune_evaluations, prune_logs
from components.evaluation import eval_root
from flows import beside_the_stack


@task
def prune_conversations(home: str, keep_days: int, dry_run: bool) -> Pruned:
    return prune_logs(Path(home) / "logs", cutoff_for(keep_days), dry_run=dry_run)


@task
def prune_scores(home: str, pruned: Pruned, dry_run: bool) -> Pruned:
    return prune_evaluations(eval_root(home), pruned.cutoff, pruned, dry_run=dry_run)


@task
def publish(pruned: Pruned, keep_days: int, dry_run: bool) -> None:
    verb = "would delete" if dry_run else "deleted"
    rows = [("log days", ", ".join(pruned.days) or "none"), ("turn records", str(pruned.turn_files)),
            ("conversation history files", str(pruned.conversations)),
            ("evaluation days (per-turn files)", ", ".join(pruned.evaluation_days) or "none")]
    text = "\n".join([f"# Retention: {verb} what is older than {pruned.cutoff.isoformat()}",
                      f"`retention.keep_days` = {keep_days}" + (" (dry run: nothing was deleted)" if dry_run else ""),
                      "", f"| what | {verb} |", "| --- | --- |", *[f"| {what} | {value} |" for what, value in rows]])
    create_markdown_artifact(text, key="retention", description=f"Retention {pruned.cutoff.isoformat()}")


@flow(name="retention", log_prints=True)
def retention(keep_days: int | None = None, dry_run: bool = False) -> dict:
    """Deletes conversations older than `keep_days` (default: the configuration's retention.keep_days)."""
    config = load_config()
    keep_days = config.retention.keep_days if keep_days is None else keep_days
    if keep_days < 8:  # the configuration enforces it too; a parameter typed in the UI does not pass through it
        raise ValueError(f"keep_days must be at least 8 (the scheduled flows read 7 days back), not {keep_days}")
    home = str(config.home)
    pruned = prune_conversations(home, keep_days, dry_run)
    pruned = prune_scores(home, pruned, dry_run)
    get_run_logger().info("%s before %s: %d log days (%d turns), %d conversations, %d evaluation days",
                          "would delete" if dry_run else "deleted", pruned.cutoff, len(pruned.days),
                          pruned.turn_files, pruned.conversations, len(pruned.evaluation_days))
    publish(pruned, keep_days, dry_run)
    return {**pruned.as_dict(), "dry_run": dry_run}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-days", type=int, default=None)
    parser.add_argument("--dry-run", action="store_true")
    arguments = parser.parse_args()
    with beside_the_stack():
        print(json.dumps(retention(arguments.keep_days, arguments.dry_run), indent=2))
