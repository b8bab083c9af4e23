"""The skew check end to end: read two samples, validate them, compare, report, plot, propose a holdout."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from components.conversation_log import ConversationLog
from components.skew.expectations import validate_sample
from components.skew.semantic import SemanticSettings, semantic_skew
from components.skew.structural import StructuralSettings, structural_skew

__all__ = ["SampleError", "answer_variance", "from_log", "propose_holdout", "read_sample", "semantic_tests",
           "shift_plot", "skew_report", "write_report"]


class SampleError(ValueError):
    """A sample file cannot be read as a table with query and response columns."""


def read_sample(path: str | Path) -> pl.DataFrame:
    """A JSONL or Parquet file (or a directory of Parquet files) with at least `query` and `response`."""
    path = Path(path)
    if not path.exists():
        raise SampleError(f"{path}: no such file")
    try:
        if path.is_dir():
            frame = pl.read_parquet(path / "**" / "*.parquet")
        elif path.suffix in (".jsonl", ".json", ".ndjson"):
            frame = pl.read_ndjson(path, infer_schema_length=None)
        elif path.suffix == ".parquet":
            frame = pl.read_parquet(path)
        else:
            raise SampleError(f"{path}: expected .jsonl or .parquet, got '{path.suffix}'")
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        if isinstance(exc, SampleError):
            raise
        raise SampleError(f"{path}: not readable as JSONL/Parquet: {exc}") from None
    if "response" not in frame.columns and "answer" in frame.columns:  # a conversation-log extract
        frame = frame.rename({"answer": "response"})
    missing = [c for c in ("query", "response") if c not in frame.columns]
    if missing:
        raise SampleError(f"{path}: missing column(s) {missing}; found {frame.columns}")
    return frame


def from_log(log_root: Path, days: int = 7, until: date | None = None) -> pl.DataFrame:
    """Recent production turns from the conversation log, as a sample (answer -> response)."""

    until = until or date.today()
    frame = ConversationLog(log_root).scan().filter(
        pl.col("timestamp").dt.date().is_between(until - timedelta(days=days - 1), until)
        & pl.col("error_code").is_null()).collect()
    return frame.rename({"answer": "response"})


def skew_report(reference: pl.DataFrame, current: pl.DataFrame, *, reference_name: str = "reference",
                current_name: str = "current", structural: StructuralSettings = StructuralSettings(),
                semantic: SemanticSettings = SemanticSettings()) -> dict[str, Any]:
    """The report of DESIGN.md's contract: {"drift", "structural": {"drift", ...}, "semantic": {"drift", ...}}."""
    checks = {"reference": validate_sample(reference, reference_name),
              "current": validate_sample(current, current_name)}
    structural_result = structural_skew(reference, current, structural)
    semantic_result = semantic_skew(reference, current, semantic)
    return {"drift": structural_result["drift"] or semantic_result["drift"], "structural": structural_result,
            "semantic": semantic_result, "expectations": checks,
            "inputs": {"reference": reference_name, "current": current_name,
                       "rows": {"reference": reference.height, "current": current.height}}}


def semantic_tests(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The semantic verdicts by name: each column's cluster shares, and the queries' classifier test."""
    semantic = report["semantic"]
    tests = [(f"semantic.{column}", semantic[column]) for column in ("query", "response") if column in semantic]
    return tests + [(f"semantic.{column}.classifier", semantic[column]["classifier"])
                    for column in ("query", "response") if "classifier" in semantic.get(column, {})]


def shift_plot(report: dict[str, Any], path: Path, top: int = 12) -> Path:
    """The largest shifts as effect / threshold (1.0 = the alarm line), drifted ones highlighted."""
    # start-up time: matplotlib loads only where a plot is drawn
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = [(t["feature"], t["effect"] / t["threshold"], t["drift"]) for t in report["structural"]["tests"]]
    items += [(name, test["effect"] / test["threshold"], test["drift"]) for name, test in semantic_tests(report)]
    items = sorted(items, key=lambda x: -x[1])[:top][::-1]
    figure, axis = plt.subplots(figsize=(8, 0.35 * len(items) + 1.2))
    axis.barh([name for name, _, _ in items], [value for _, value, _ in items],
              color=["#c0392b" if drift else "#7f8c8d" for _, _, drift in items])
    axis.axvline(1.0, color="black", linestyle="--", linewidth=1)
    axis.set_xlabel("effect / threshold (red: drift after Holm correction)")
    axis.set_title("Largest dev-prod shifts")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def propose_holdout(current: pl.DataFrame, size: int, seed: int = 0) -> pl.DataFrame:
    """A refreshed validation sample from recent production with its current mix (by agent when known)."""
    rng = random.Random(seed)
    rows = current.filter(pl.col("query").str.strip_chars().str.len_chars() > 0).to_dicts()
    if len(rows) <= size:
        return pl.DataFrame(rows)
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(str(row.get("agent")), []).append(row)
    chosen, rest = [], []
    for group in groups.values():
        rng.shuffle(group)
        take = max(1, round(size * len(group) / len(rows)))
        chosen, rest = chosen + group[:take], rest + group[take:]
    rng.shuffle(chosen)
    return pl.DataFrame((chosen + rng.sample(rest, max(0, size - len(chosen))))[:size])  # rounding: top up or trim


def answer_variance(answers_by_input: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Per input, how much repeated answers differ: distinct count and mean pairwise word-Jaccard distance."""
    report = []
    for query, answers in answers_by_input.items():
        bags = [set(a.lower().split()) for a in answers]
        pairs = [(a, b) for i, a in enumerate(bags) for b in bags[i + 1:]]
        distance = sum(1 - len(a & b) / (len(a | b) or 1) for a, b in pairs) / len(pairs) if pairs else 0.0
        report.append({"query": query, "runs": len(answers), "distinct": len(set(answers)),
                       "mean_distance": round(distance, 4)})
    return sorted(report, key=lambda r: -r["mean_distance"])


def write_report(report: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))
    return path
