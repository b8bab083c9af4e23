"""The nightly evaluation over a day of the conversation log: sample, score (resumably), summarise.

State for a date lives under `<home>/eval/day=YYYY-MM-DD/`: `scores/*.parquet` (one file per scored
batch, written atomically), `summary.json` once the run finished, and `trend.png`. A run whose
summary exists is complete, and running the date again replaces it; a run without one crashed or
was stopped, and running it again resumes, scoring only the turns not yet scored.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from components.conversation_log import ConversationLog
from components.evaluation.rubric import Rubric
from components.evaluation.scorer import score_turn
from components.evaluation.stats import mean_interval, wilson
from components.versions.tracking import TrackedRun

__all__ = ["EvalDay", "eval_root", "nightly_run", "partial_turns", "sample_turns", "served_versions",
           "shadow_comparison", "summarize", "trend_plot", "worst_turns"]

RATES = ("hallucination", "rai_violation", "good")
MEANS = ("overall_quality", "coherence", "style")
SCALE = (1.0, 5.0)  # the rubric's scale of every mean above (data/eval/rubric.yaml)


def sample_turns(day_log: pl.DataFrame, day: date, n: int = 500, seed: int | None = None) -> list[dict[str, Any]]:
    """Up to `n` finished turns of `day`'s log, stratified by agent: proportional shares, at least a few each."""
    frame = day_log.filter((pl.col("error_code").is_null() | (pl.col("error_code") != "cancelled"))
                                 & pl.col("shadow_of").is_null())  # shadow turns are compared on their own
    rows = frame.sort("turn_id").to_dicts()
    if len(rows) <= n:
        return rows
    rng = random.Random(seed if seed is not None else day.toordinal())
    by_agent: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_agent[row["agent"]].append(row)
    floor = min(5, n // max(1, len(by_agent)))
    quota = {a: max(min(floor, len(g)), math.floor(n * len(g) / len(rows))) for a, g in by_agent.items()}
    while sum(quota.values()) < n:  # hand out what rounding left, largest remainder first
        spare = [a for a in by_agent if quota[a] < len(by_agent[a])]
        best = max(spare, key=lambda a: n * len(by_agent[a]) / len(rows) - quota[a])
        quota[best] += 1
    while sum(quota.values()) > n:
        quota[max(quota, key=quota.get)] -= 1
    return [row for agent, group in sorted(by_agent.items()) for row in rng.sample(group, quota[agent])]


def eval_root(home: Path | str) -> Path:
    """Where every evaluated date (and the stored human labels) lives: `<home>/eval`."""
    return Path(home) / "eval"


class EvalDay:
    """The files of one evaluated date; see the module docstring for the replace/resume rule."""

    def __init__(self, home: Path, day: date) -> None:
        self.day, self.root = day, eval_root(home) / f"day={day.isoformat()}"
        self.scores_dir, self.summary_path = self.root / "scores", self.root / "summary.json"

    @property
    def complete(self) -> bool:
        return self.summary_path.exists()

    def start(self) -> str:
        """'replace' (a finished run is cleared), 'resume' (a partial run continues) or 'new'."""
        if self.complete:
            shutil.rmtree(self.root)
            mode = "replace"
        else:
            mode = "resume" if self.scores_dir.exists() else "new"
        self.scores_dir.mkdir(parents=True, exist_ok=True)
        return mode

    def scored_ids(self) -> set[str]:
        return set(self.scores()["turn_id"].to_list()) if any(self.scores_dir.glob("*.parquet")) else set()

    def scores(self) -> pl.DataFrame:
        files = sorted(self.scores_dir.glob("*.parquet"))
        return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed") if files else pl.DataFrame()

    def write_batch(self, rows: list[dict[str, Any]], index: int) -> Path:
        path = self.scores_dir / f"batch-{index:05d}.parquet"
        tmp = path.with_suffix(".tmp")
        pl.DataFrame(rows).write_parquet(tmp)
        tmp.replace(path)  # atomic: a crash leaves a whole batch or none
        return path

    def write_summary(self, summary: dict[str, Any]) -> None:
        tmp = self.summary_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(summary, indent=2, sort_keys=True))
        tmp.replace(self.summary_path)

    def keep_labels(self, file: Path, rubric_ref: str) -> Path:
        """Stores a completed annotation queue for this date, versioned with the rubric it was labelled under."""
        stored = self.root.parent / "labels" / rubric_ref / f"{self.day.isoformat()}.jsonl"
        stored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, stored)
        return stored

    @staticmethod
    def previous_summary(home: Path, day: date) -> dict[str, Any] | None:
        earlier = sorted(p for p in eval_root(home).glob("day=*/summary.json")
                         if p.parent.name.removeprefix("day=") < day.isoformat())
        return json.loads(earlier[-1].read_text()) if earlier else None

    @staticmethod
    def good_turn_ids(home: Path, since: date) -> set[str]:
        """Turns the nightly evaluation scored good on any date from `since` on."""
        files = [p for p in eval_root(home).glob("day=*/scores/*.parquet")
                 if p.parents[1].name.removeprefix("day=") >= since.isoformat()]
        if not files:
            return set()
        good = pl.concat([pl.read_parquet(p).select("turn_id", "good") for p in files], how="vertical_relaxed")
        return set(good.filter(pl.col("good"))["turn_id"].to_list())


def _dimension_stats(frame: pl.DataFrame) -> dict[str, dict[str, float]]:
    stats = {}
    n = frame.height
    for name in RATES:
        hits = int(frame[name].sum()) if n else 0
        rate, low, high = wilson(hits, n)
        stats[f"{name}_rate"] = {"value": round(rate, 4), "low": round(low, 4), "high": round(high, 4), "n": n}
    for name in MEANS:
        mean, low, high = mean_interval(frame[name].cast(pl.Float64).to_list() if n else [], bounds=SCALE)
        stats[f"{name}_mean"] = {"value": round(mean, 4), "low": round(low, 4), "high": round(high, 4), "n": n}
    return stats


def summarize(scores: pl.DataFrame, rubric: Rubric, day: date, previous: dict[str, Any] | None,
              logged_turns: int, versions: dict[str, int]) -> dict[str, Any]:
    """Rates with Wilson intervals, means with normal intervals, per agent, and deltas against `previous`."""
    overall = _dimension_stats(scores)
    per_agent = {agent: _dimension_stats(scores.filter(pl.col("agent") == agent))
                 for agent in sorted(scores["agent"].unique().to_list())} if scores.height else {}
    deltas = {}
    if previous:
        for key, stat in overall.items():
            before = previous.get("overall", {}).get(key, {}).get("value")
            if before is not None:
                deltas[key] = round(stat["value"] - before, 4)
    return {"date": day.isoformat(), "rubric": rubric.ref, "scored": scores.height, "logged_turns": logged_turns,
            "overall": overall, "per_agent": per_agent, "deltas": deltas, "partial": partial_turns(scores),
            "previous_date": previous.get("date") if previous else None, "versions_served": versions}


def partial_turns(scores: pl.DataFrame) -> dict[str, Any]:
    """The turns answered on failed skills, counted apart: how many, which skills failed, and the rubric's
    figures on the turns whose skills all answered (a night of outages reads as one, not as bad answers)."""
    flagged = (scores["partial"].fill_null(False) if "partial" in scores.columns
               else pl.Series([False] * scores.height, dtype=pl.Boolean))
    failed: Counter[str] = Counter()
    if "failed_skills" in scores.columns:
        for listed in scores["failed_skills"].drop_nulls().to_list():
            failed.update(json.loads(listed))
    share, low, high = wilson(int(flagged.sum()), scores.height)
    return {"turns": int(flagged.sum()), "share": {"value": round(share, 4), "low": round(low, 4),
                                                   "high": round(high, 4), "n": scores.height},
            "failed_skills": dict(failed.most_common()), "complete": _dimension_stats(scores.filter(~flagged))}


def worst_turns(scores: pl.DataFrame, turns: dict[str, dict[str, Any]], k: int = 10) -> list[dict[str, Any]]:
    if not scores.height:
        return []
    ranked = scores.sort(["overall_quality", "hallucination", "coherence"], descending=[False, True, False]).head(k)
    return [{"turn_id": row["turn_id"], "agent": row["agent"], "quality": row["overall_quality"],
             "hallucination": row["hallucination"], "rai_violation": row["rai_violation"],
             "query": (turns.get(row["turn_id"], {}).get("query") or "")[:80],
             "answer": (turns.get(row["turn_id"], {}).get("answer") or "")[:160].replace("\n", " "),
             "findings": row["findings"]} for row in ranked.to_dicts()]


def trend_plot(home: Path, path: Path) -> Path | None:
    """Hallucination, RAI and good-answer rates (with intervals) over every evaluated date, as a PNG."""
    summaries = [json.loads(p.read_text()) for p in sorted(eval_root(home).glob("day=*/summary.json"))]
    if not summaries:
        return None
    # start-up time: matplotlib loads only where a plot is drawn
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = [s["date"] for s in summaries]
    figure, axis = plt.subplots(figsize=(8, 4))
    for name in RATES:
        stats = [s["overall"][f"{name}_rate"] for s in summaries]
        values = [x["value"] for x in stats]
        axis.plot(dates, values, marker="o", label=name.replace("_", " "))
        axis.fill_between(dates, [x["low"] for x in stats], [x["high"] for x in stats], alpha=0.15)
    axis.set_ylim(0, 1)
    axis.set_ylabel("rate (95% Wilson interval)")
    axis.set_title("Nightly evaluation")
    axis.legend()
    figure.autofmt_xdate()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def shadow_comparison(log: ConversationLog, day: date, rubric: Rubric) -> dict[str, Any] | None:
    """The challenger's shadow answers of `day` against the live answers they shadowed, on the same turns."""

    frame = log.read(day)
    shadows = frame.filter(pl.col("shadow_of").is_not_null()).to_dicts()
    live = {row["turn_id"]: row for row in frame.filter(pl.col("shadow_of").is_null()).to_dicts()}
    pairs = [(live[s["shadow_of"]], s) for s in shadows if s["shadow_of"] in live]
    if not pairs:
        return None
    sides = {"live": [score_turn(rubric, a) for a, _ in pairs], "shadow": [score_turn(rubric, b) for _, b in pairs]}
    report: dict[str, Any] = {"pairs": len(pairs),
                              "shadow_versions": sorted({json.loads(b["versions"] or "{}").get("prompts", "")[:80]
                                                         for _, b in pairs})}
    for side, scores in sides.items():
        n = len(scores)
        report[side] = {f"{name}_rate": round(sum(bool(x[name]) for x in scores) / n, 4)
                        for name in ("hallucination", "rai_violation", "good")}
        report[side]["overall_quality_mean"] = round(sum(x["overall_quality"] for x in scores) / n, 4)
    report["deltas"] = {k: round(report["shadow"][k] - report["live"][k], 4) for k in report["live"]}
    return report


def nightly_run(day: date, summary: dict[str, Any], plot: Path | None) -> TrackedRun:
    """The night's summary as an MLflow run keyed by its date: overall and per-agent figures, deltas, shadow."""
    overall = summary["overall"]
    metrics = {key: stat["value"] for key, stat in overall.items()}
    metrics |= {f"{key}.ci_low": stat["low"] for key, stat in overall.items()}
    metrics |= {f"{key}.ci_high": stat["high"] for key, stat in overall.items()}
    metrics |= {f"{agent}.{key}": stat["value"] for agent, stats in summary["per_agent"].items()
                for key, stat in stats.items()}
    metrics |= {f"delta.{key}": value for key, value in summary["deltas"].items()}
    metrics |= {"partial_rate": summary["partial"]["share"]["value"], "partial_turns": summary["partial"]["turns"]}
    if summary.get("shadow"):
        metrics |= {f"shadow.{side}.{key}": value for side in ("live", "shadow")
                    for key, value in summary["shadow"][side].items()}
    tags = {f"served.{item}": ", ".join(counts)[:250] for item, counts in summary["versions_served"].items()}
    return TrackedRun("switchboard-nightly-eval", "switchboard.eval_date", day.isoformat(),
                      run_name=f"nightly-eval-{day.isoformat()}", tags={"rubric": summary["rubric"], **tags},
                      params={"scored": summary["scored"], "logged_turns": summary["logged_turns"]},
                      metrics=metrics, artifacts=[plot] if plot else [], dicts={"summary.json": summary})


SERVED_ITEMS = ("prompts", "generator", "planner", "router", "generator_pin", "planner_pin", "router_model")


def served_versions(turns: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per served item (prompts, pins, router), its three most common versions among `turns`."""
    served: dict[str, Counter] = {}
    for turn in turns:
        for item, version in json.loads(turn["versions"] or "{}").items():
            if item in SERVED_ITEMS:
                served.setdefault(item, Counter())[version] += 1
    return {item: dict(counts.most_common(3)) for item, counts in served.items()}
