"""Retention: what the home keeps of members' conversations, and for how long.

A turn's record, its conversation's history file and the per-turn evaluation files that quote it hold
what a member asked and was told, so they are kept for a set number of days and then deleted (a day
is whole or gone: `day=YYYY-MM-DD` partitions go as one). A conversation's history file goes once its
last turn is older than the cutoff: it is appended to by whichever replica serves the next turn, so it
is never rewritten in place, and a conversation still going keeps its earlier turns. A night's
evaluation summary (aggregates, no text) stays, so the trend plot keeps its history.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

__all__ = ["Pruned", "cutoff_for", "prune_evaluations", "prune_logs"]

# What a night's evaluation keeps past the cutoff: aggregates only
_EVAL_KEPT = frozenset({"summary.json", "trend.png"})


@dataclass
class Pruned:
    """What one pass removed (or, in a dry run, would remove)."""

    cutoff: date
    days: list[str] = field(default_factory=list)  # log partitions, oldest first
    turn_files: int = 0
    conversations: int = 0
    evaluation_days: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"cutoff": self.cutoff.isoformat(), "days": self.days, "turn_files": self.turn_files,
                "conversations": self.conversations, "evaluation_days": self.evaluation_days}


def cutoff_for(keep_days: int, today: date | None = None) -> date:
    """The first day kept: today and the `keep_days` - 1 days before it."""
    if keep_days < 1:
        raise ValueError(f"keep_days must be at least 1, not {keep_days}")
    return (today or datetime.now(UTC).date()) - timedelta(days=keep_days - 1)


def _day_of(folder: Path) -> date | None:
    """The date of a `day=YYYY-MM-DD` folder; None for anything else (it is not ours to delete)."""
    name = folder.name
    if not folder.is_dir() or not name.startswith("day="):
        return None
    try:
        return date.fromisoformat(name.removeprefix("day="))
    except ValueError:
        return None


def prune_logs(logs: Path, cutoff: date, *, dry_run: bool = False) -> Pruned:
    """Deletes the log's day partitions before `cutoff`, and conversation files last written before it."""
    pruned = Pruned(cutoff)
    for folder in sorted(logs.glob("day=*")):
        day = _day_of(folder)
        if day is None or day >= cutoff:
            continue
        pruned.days.append(folder.name)
        pruned.turn_files += sum(1 for _ in folder.glob("*.parquet"))
        if not dry_run:
            shutil.rmtree(folder)
    last_kept = datetime.combine(cutoff, datetime.min.time(), UTC).timestamp()
    for path in logs.glob("conversations/*/*.jsonl"):
        try:
            if path.stat().st_mtime >= last_kept:
                continue
            if not dry_run:
                path.unlink()
        except FileNotFoundError:  # removed by a concurrent pass
            continue
        pruned.conversations += 1
    return pruned


def prune_evaluations(evaluations: Path, cutoff: date, pruned: Pruned, *, dry_run: bool = False) -> Pruned:
    """Deletes each night before `cutoff`'s per-turn files (scores, annotation queue); keeps its summary."""
    for folder in sorted(evaluations.glob("day=*")):
        day = _day_of(folder)
        if day is None or day >= cutoff:
            continue
        quoting = [p for p in folder.iterdir() if p.name not in _EVAL_KEPT]
        if not quoting:
            continue
        pruned.evaluation_days.append(folder.name)
        if dry_run:
            continue
        for path in quoting:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    return pruned
