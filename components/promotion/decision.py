"""The promotion decision: which versions a candidate changes, its evaluation beside the champion's, the
gates, the MLflow record of it all, and the alias move when every gate holds."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from rich.table import Table

from components.config import SwitchboardConfig
from components.conversation_log import ConversationLog
from components.evaluation.validation_set import (
    VALIDATION_FILE,
    load_validation_set,
    validation_digest,
    validation_rows,
)
from components.pipeline import build_pipeline
from components.pipeline.factory import release_from
from components.promotion.candidate import Candidate
from components.promotion.evaluate import measure, run_validation, worst_regressions
from components.promotion.gates import check_gates
from components.prompts import PromptLibrary
from components.versions import VersionStore, load_versions, resolve
from components.versions.tracking import RunDataset, TrackedRun

__all__ = ["challenger_of", "decide", "evaluate_versions", "gate_table", "move_champion", "promotion_report",
           "promotion_run", "version_store"]

QUALITY = ("good_rate", "hallucination_rate", "fact_coverage", "overall_quality_mean")


def version_store(config: SwitchboardConfig) -> VersionStore:
    settings = config.mlflow
    if not settings.tracking_uri:
        raise ValueError("promotion needs mlflow.tracking_uri (SWITCHBOARD_MLFLOW__TRACKING_URI)")
    return VersionStore(settings.tracking_uri, settings.prefix, settings.timeout_s)


def challenger_of(config: SwitchboardConfig) -> Candidate:
    """The items whose `challenger` alias names another version than their champion."""
    store, library = version_store(config), PromptLibrary.load()
    champion = resolve(store, library, config.mlflow.alias)
    challenger = resolve(store, library, config.mlflow.shadow_alias, fallback=config.mlflow.alias)
    prompts, models = {}, {}
    for name, item in challenger.items.items():
        if item.version != champion.items[name].version:
            short = name.removeprefix(f"{store.prefix}.")
            (prompts if item.kind == "prompt" else models)[short] = item.version
    return Candidate(prompts=prompts, models=models)


def evaluate_versions(config: SwitchboardConfig, candidate: Candidate | None,
                      repeats: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The validation set's scored rows on the champion (candidate None) or the candidate's versions, and
    the versions that served them."""
    store, library = version_store(config), PromptLibrary.load()
    resolved = resolve(store, library, config.mlflow.alias)
    if candidate is not None:
        resolved = candidate.apply(store, resolved)
    loaded = load_versions(store, resolved, library, Path(config.home) / "mlflow-cache")
    with tempfile.TemporaryDirectory() as logs:  # evaluation turns never mix with production's log
        pipeline = build_pipeline(config, log=ConversationLog(Path(logs)))
        pipeline.swap(release_from(loaded, config))
        rows = asyncio.run(run_validation(pipeline, load_validation_set(), repeats))
    return rows, loaded.versions(config.mlflow.prefix)


def decide(candidate: Candidate, champion_rows: list[dict], candidate_rows: list[dict], config: SwitchboardConfig,
           repeats: int, dry_run: bool) -> dict[str, Any]:
    """Both sides measured, the gates checked, and (for a new model pin) the per-agent migration deltas."""
    before, after = measure(champion_rows), measure(candidate_rows)
    gates = check_gates(before["flat"], after["flat"], config.promotion.gates)
    failed = [gate.reason for gate in gates if not gate.passed]
    migration = {}
    if candidate.has_model_pin:  # a new model can break a prompt that worked: show it per agent
        for agent, stats in after["per_agent"].items():
            old = before["per_agent"].get(agent, stats)
            migration[agent] = {m: round(stats[m]["value"] - old[m]["value"], 4) for m in QUALITY}
    return {"candidate": after, "champion": before, "promoted": not failed and not dry_run, "failed": failed,
            "gates": [gate.model_dump() for gate in gates], "repeats": repeats, "migration": migration,
            "deltas": {k: round(after["flat"][k] - v, 4) for k, v in before["flat"].items() if k in after["flat"]},
            "worst": worst_regressions(champion_rows, candidate_rows)}


def promotion_run(candidate: Candidate, decision: dict, champion_versions: dict, candidate_versions: dict,
                  flow_run: str) -> TrackedRun:
    """The decision and its evidence as an MLflow run, with the validation set as its dataset input."""
    metrics = {f"champion.{k}": v for k, v in decision["champion"]["flat"].items()}
    metrics |= {f"candidate.{k}": v for k, v in decision["candidate"]["flat"].items()}
    metrics |= {f"delta.{k}": v for k, v in decision["deltas"].items()}
    metrics["promoted"] = float(decision["promoted"])
    verb = "promote" if decision["promoted"] else "refuse"
    return TrackedRun(
        "switchboard-promotions", "switchboard.promotion", f"{candidate.describe()} @ {flow_run}"[:250],
        run_name=f"{verb}: {candidate.describe()}"[:250],
        tags={"decision": "promoted" if decision["promoted"] else "refused",
              "failed_gates": ", ".join(decision["failed"])[:250] or "none", "validation_set": validation_digest()},
        params={"candidate": candidate.describe(), "repeats": decision["repeats"],
                **{f"champion.{k}": v for k, v in champion_versions.items()},
                **{f"candidate.{k}": v for k, v in candidate_versions.items()}},
        metrics=metrics, dicts={"decision.json": decision},
        datasets=[RunDataset(validation_rows(), VALIDATION_FILE, "switchboard-validation", validation_digest(),
                             "validation")])


def move_champion(config: SwitchboardConfig, candidate: Candidate, run_id: str) -> list[str]:
    """Points `champion` at each of the candidate's versions; the previous ones stay restorable by rollback."""
    store, moved = version_store(config), []
    for kind, chosen in (("prompt", candidate.prompts), ("model", candidate.models)):
        for name, version in chosen.items():
            store.move_alias(kind, store.name(name), config.mlflow.alias, version, by="promote flow",
                             why=f"passed every gate (MLflow run {run_id})")
            moved.append(f"{name}@v{version}")
    return moved


def promotion_report(candidate: Candidate, decision: dict) -> str:
    """The decision as Markdown: each gate, and per-agent deltas for a new model pin."""
    lines = [f"# Promotion of {candidate.describe()}: {'PROMOTED' if decision['promoted'] else 'REFUSED'}", "",
             "| gate | champion | candidate | tolerance | result |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {g['metric']} | {g['champion']} | {g['candidate']} | {g['tolerance']} | "
              f"{'pass' if g['passed'] else '**' + g['reason'] + '**'} |" for g in decision["gates"]]
    if decision["migration"]:
        lines += ["", "## Prompt migration: per-agent deltas (candidate - champion)", "",
                  "| agent | good rate | hallucination | fact coverage | quality |", "| --- | --- | --- | --- | --- |"]
        for agent, deltas in decision["migration"].items():
            lines.append(f"| {agent} | " + " | ".join(f"{deltas[m]:+.3f}" for m in QUALITY) + " |")
    return "\n".join(lines)


def gate_table(gates: list[dict]) -> Table:
    """The decision as a person reads it in a terminal: each gate's two values and whether it held."""
    table = Table(title="Promotion gates (champion -> candidate)")
    for column in ("gate", "champion", "candidate", "tolerance", "result"):
        table.add_column(column, justify="left" if column in ("gate", "result") else "right")
    for gate in gates:
        values = [("-" if gate[side] is None else f"{gate[side]:.3f}") for side in ("champion", "candidate")]
        verdict = "[green]pass[/green]" if gate["passed"] else f"[red]{gate['reason']}[/red]"
        table.add_row(gate["metric"], *values, f"{gate['tolerance']:g}", verdict)
    return table
