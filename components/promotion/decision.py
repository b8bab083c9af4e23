"""The promotion decision: which versions a candidate changes, its evaluation beside the champion's, the
gates, the MLflow record of it all, and the alias move when every gate holds."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.table import Table

from components.config import SwitchboardConfig
from components.conversation_log import ConversationLog
from components.engines import ACCELERATOR_ENGINES, Engine
from components.evaluation.validation_set import (
    VALIDATION_FILE,
    load_validation_set,
    validation_digest,
    validation_rows,
)
from components.pipeline import build_pipeline
from components.pipeline.factory import release_from
from components.promotion.candidate import Candidate
from components.promotion.evaluate import ANSWERED_BY, measure, run_validation, worst_regressions
from components.promotion.gates import check_gates
from components.prompts import PromptLibrary
from components.versions import LoadedVersions, VersionStore, load_versions, resolve
from components.versions.specs import ModelPin
from components.versions.tracking import RunDataset, TrackedRun

__all__ = ["challenger_of", "decide", "evaluate_sides", "gate_table", "load_side", "move_champion",
           "promotion_report", "promotion_run", "validation_sample", "version_store"]

EngineFor = Callable[[ModelPin], Awaitable[Engine]]
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


def load_side(config: SwitchboardConfig, candidate: Candidate | None) -> LoadedVersions:
    """The champion's versions (candidate None) or the candidate's over them, loaded: a version that is not
    there, or cannot serve, raises here, before any turn runs."""
    store, library = version_store(config), PromptLibrary.load()
    resolved = resolve(store, library, config.mlflow.alias)
    if candidate is not None:
        resolved = candidate.apply(store, resolved)
    return load_versions(store, resolved, library, Path(config.home) / "mlflow-cache")


def evaluate_sides(config: SwitchboardConfig, sides: dict[str, LoadedVersions], repeats: int,
                   engine_for: EngineFor | None = None) -> dict[str, list[dict[str, Any]]]:
    """The validation set's scored rows for each side (its name -> rows).

    The sides run at the same time, each with up to `promotion.concurrency` conversations in flight: a real
    engine batches them, and both meet the same load, so neither's latency or timeouts are luckier.
    `engine_for` makes the engine of a pin on an accelerator engine (vllm) elsewhere: on the serving cluster's
    generator deployment (serve/cluster.py), where the flow's process cannot load it. Other pins, and every
    pin without it, get engines built here."""
    conversations = validation_sample(config.promotion.sample_per_agent, config.promotion.agents)

    async def evaluate(loaded: LoadedVersions, logs: Path) -> list[dict[str, Any]]:
        remote = {role: await engine_for(pin) for role, pin in loaded.pins.items()
                  if engine_for is not None and pin.engine in ACCELERATOR_ENGINES}
        release = release_from(loaded, config, planner=remote.get("planner"), generator=remote.get("generator"))
        # the release's engines from the start: the configured ones may be ones this process cannot load
        pipeline = build_pipeline(config, planner=release.planner, generator=release.generator,
                                  log=ConversationLog(logs))
        pipeline.swap(release)
        return await run_validation(pipeline, conversations, repeats, config.promotion.concurrency)

    async def every_side(logs: Path) -> list[list[dict[str, Any]]]:
        return await asyncio.gather(*(evaluate(loaded, logs / name) for name, loaded in sides.items()))

    with tempfile.TemporaryDirectory() as logs:  # evaluation turns never mix with production's log
        return dict(zip(sides, asyncio.run(every_side(Path(logs))), strict=True))


def validation_sample(per_agent: int | None = None, agents: list[str] | None = None) -> list[dict[str, Any]]:
    """The validation set's conversations of `agents` (None: all), the first `per_agent` of each (None: all)."""
    taken: dict[str, int] = {}
    sample = []
    for conversation in load_validation_set():
        agent = conversation["agent"]
        if (agents is None or agent in agents) and (per_agent is None or taken.get(agent, 0) < per_agent):
            taken[agent] = taken.get(agent, 0) + 1
            sample.append(conversation)
    return sample


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
            "sample_per_agent": config.promotion.sample_per_agent, "agents": config.promotion.agents,
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
                "sample_per_agent": decision.get("sample_per_agent") or "all",
                "agents": ",".join(decision.get("agents") or []) or "all",
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
    lines += ["", "| answers written by | " + " | ".join(ANSWERED_BY) + " |", "| --- |" + " --- |" * len(ANSWERED_BY)]
    for side in ("champion", "candidate"):
        counts = decision[side].get("answered_by", {})
        lines.append(f"| {side} | " + " | ".join(str(counts.get(who, 0)) for who in ANSWERED_BY) + " |")
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
