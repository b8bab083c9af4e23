"""Runs the validation set through a pipeline (each conversation several times) and measures it on the
rubric: the evidence a promotion decision rests on."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from components.evaluation import load_rubric, mean_interval, score_turn, wilson
from components.evaluation.conversations import run_conversations
from components.pipeline import Pipeline

__all__ = ["ANSWERED_BY", "METRICS", "answered_by", "measure", "run_validation", "worst_regressions"]

RATES = ("hallucination", "rai_violation", "good", "routed_right")
MEANS = ("overall_quality", "coherence", "style", "fact_coverage")
# who wrote an evaluated answer: the engine under evaluation, its extractive fallback, nobody (declined), an error
ANSWERED_BY = ("generator", "fallback", "none", "error")
METRICS = ("hallucination_rate", "rai_violation_rate", "good_rate", "routing_accuracy", "overall_quality_mean",
           "coherence_mean", "style_mean", "fact_coverage")


async def run_validation(pipeline: Pipeline, conversations: list[dict], repeats: int,
                         concurrency: int = 1) -> list[dict[str, Any]]:
    """Every conversation `repeats` times, turn by turn with its history; one scored row per turn.

    Each row says who wrote its answer (`answered_by`): the generator, the extractive fallback that replaced
    it (a failed or too slow engine), or nobody (declined, or an error), so a report can show whether the
    gates weighed the engine under evaluation at all."""
    rubric, rows = load_rubric(), await run_conversations(pipeline, conversations, repeats, concurrency)
    turn_ids = {row.done.turn_id for row in rows if row.done is not None}
    log = pipeline.log.read()
    logged = {r["turn_id"]: r for r in log.filter(log["turn_id"].is_in(list(turn_ids))).to_dicts()}
    scored = []
    for row in rows:
        turn = row.turn
        record = logged.get(row.done.turn_id) if row.done is not None else None
        if record is None:  # an error event: the worst score on every dimension
            scored.append({"key": row.key, "agent": turn["expected_agent"], "overall_quality": 1,
                           "hallucination": False, "rai_violation": False, "coherence": 1, "style": 1, "good": False,
                           "routed_right": False, "fact_coverage": 0.0, "query": turn["query"], "answer": "",
                           "answered_by": "error"})
            continue
        score = score_turn(rubric, record)
        facts = turn.get("reference_facts") or []
        answer = (record["answer"] or "").lower()
        routed_right = record["agent"] == turn["expected_agent"]
        if not routed_right:  # a fine answer to the wrong question (or a decline of a fair one) is not good
            score |= {"overall_quality": min(score["overall_quality"], 2), "good": False}
        scored.append({**score, "key": row.key, "agent": turn["expected_agent"], "routed_right": routed_right,
                       "fact_coverage": sum(f.lower() in answer for f in facts) / len(facts) if facts else None,
                       "query": turn["query"], "answer": record["answer"], "answered_by": _answered_by(record)})
    return scored


def _answered_by(record: dict[str, Any]) -> str:
    if record["degraded"]:
        return "fallback"
    return "generator" if record["in_scope"] and not record["error_code"] else "none"


def answered_by(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many turns the generator answered, its extractive fallback answered, or nobody (declined, error)."""
    counts = dict.fromkeys(ANSWERED_BY, 0)
    for row in rows:
        counts[row.get("answered_by", "none")] += 1
    return counts


def _stats(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out = {}
    for name in RATES:
        values = [bool(r[name]) for r in rows]
        rate, low, high = wilson(sum(values), len(values))
        label = "routing_accuracy" if name == "routed_right" else f"{name}_rate"
        out[label] = {"value": round(rate, 4), "low": round(low, 4), "high": round(high, 4), "n": len(values)}
    for name in MEANS:
        values = [float(r[name]) for r in rows if r[name] is not None]
        mean, low, high = mean_interval(values, bounds=(0.0, 1.0) if name == "fact_coverage" else (1.0, 5.0))
        label = name if name == "fact_coverage" else f"{name}_mean"
        out[label] = {"value": round(mean, 4), "low": round(low, 4), "high": round(high, 4), "n": len(values)}
    return out


def measure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Overall and per-agent metrics with 95% intervals; `flat` holds 'metric' and 'agent.metric' values, and
    `answered_by` who wrote the answers."""
    by_agent: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_agent[row["agent"]].append(row)
    overall = _stats(rows)
    per_agent = {agent: _stats(group) for agent, group in sorted(by_agent.items())}
    flat = {k: v["value"] for k, v in overall.items()}
    flat |= {f"{agent}.{k}": v["value"] for agent, stats in per_agent.items() for k, v in stats.items()}
    return {"overall": overall, "per_agent": per_agent, "flat": flat, "turns": len(rows),
            "answered_by": answered_by(rows)}


def worst_regressions(champion: list[dict], candidate: list[dict], k: int = 5) -> list[dict[str, Any]]:
    """The validation turns where the candidate scored furthest below the champion."""
    before = {r["key"]: r for r in champion}
    pairs = []
    for row in candidate:
        old = before.get(row["key"])
        if old is None:
            continue
        drop = (old["overall_quality"] - row["overall_quality"]) + 2 * (int(row["hallucination"]) - int(
            old["hallucination"])) + (int(old["routed_right"]) - int(row["routed_right"]))
        if drop > 0:
            pairs.append({"key": row["key"], "agent": row["agent"], "query": row["query"], "drop": drop,
                          "champion_answer": (old["answer"] or "")[:300],
                          "candidate_answer": (row["answer"] or "")[:300],
                          "candidate_findings": json.loads(row.get("findings") or "{}")})
    return sorted(pairs, key=lambda p: -p["drop"])[:k]
