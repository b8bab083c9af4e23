"""promote: a candidate's prompt/model versions against the champion on the validation set, through gates.

Both sides run the fixed validation set (every agent, multi-turn included) several times, are scored
with the rubric evaluators, and are compared per dimension and per agent with 95% intervals. When
every gate passes, `champion` moves to the candidate's versions (the previous ones stay restorable with
`switchboard rollback`); when one fails nothing moves and the run says which gate failed, with the
worst examples. Either way the decision and its evidence are an MLflow run.

    python -m flows.promote --prompt job_assessment.generator=3 --model generator=2
    python -m flows.promote --challenger            # whatever the `challenger` alias names
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import warnings
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from rich.console import Console
from rich.table import Table

from components.config import SwitchboardConfig, load_config
from components.conversation_log import ConversationLog
from components.evaluation.validation_set import (
    VALIDATION_FILE,
    load_validation_set,
    validation_digest,
    validation_rows,
)
from components.pipeline import build_pipeline
from components.pipeline.factory import release_from
from components.promotion import Candidate, check_gates, measure, parse_items, run_validation, worst_regressions
from components.prompts import PromptLibrary
from components.versions import VersionStore, load_versions, resolve
from flows import beside_the_stack


def _store(config: SwitchboardConfig) -> VersionStore:
    settings = config.mlflow
    if not settings.tracking_uri:
        raise ValueError("promote needs mlflow.tracking_uri (SWITCHBOARD_MLFLOW__TRACKING_URI)")
    return VersionStore(settings.tracking_uri, settings.prefix, settings.timeout_s)


@task(retries=2, retry_delay_seconds=2)
def challenger_candidate(config: SwitchboardConfig) -> Candidate:
    """The items whose `challenger` alias differs from their champion."""
    store = _store(config)
    library = PromptLibrary.load()
    champion = resolve(store, library, config.mlflow.alias)
    challenger = resolve(store, library, config.mlflow.shadow_alias, fallback=config.mlflow.alias)
    prompts, models = {}, {}
    for name, item in challenger.items.items():
        if item.version != champion.items[name].version:
            short = name.removeprefix(f"{store.prefix}.")
            (prompts if item.kind == "prompt" else models)[short] = item.version
    return Candidate(prompts=prompts, models=models)


@task
def evaluate(config: SwitchboardConfig, candidate: Candidate | None, repeats: int) -> tuple[list[dict], dict]:
    """Runs the validation set on the champion (candidate None) or the candidate's versions."""
    store, library = _store(config), PromptLibrary.load()
    resolved = resolve(store, library, config.mlflow.alias)
    if candidate is not None:
        resolved = candidate.apply(store, resolved)
    home = Path(config.home)
    loaded = load_versions(store, resolved, library, home / "mlflow-cache")
    with tempfile.TemporaryDirectory() as logs:
        pipeline = build_pipeline(config, log=ConversationLog(Path(logs)))
        pipeline.swap(release_from(loaded, config))
        rows = asyncio.run(run_validation(pipeline, load_validation_set(), repeats))
    return rows, loaded.versions(config.mlflow.prefix)


@task(retries=2, retry_delay_seconds=3)
def record(config: SwitchboardConfig, candidate: Candidate, decision: dict, champion_versions: dict,
           candidate_versions: dict) -> str:
    """The decision and its evidence as an MLflow run, with the validation set as its dataset input."""
    import mlflow
    from mlflow.entities import DatasetInput, InputTag

    from components.versions.tracking import keyed_run

    metrics = {f"champion.{k}": v for k, v in decision["champion"]["flat"].items()}
    metrics |= {f"candidate.{k}": v for k, v in decision["candidate"]["flat"].items()}
    metrics |= {f"delta.{k}": v for k, v in decision["deltas"].items()}
    metrics["promoted"] = float(decision["promoted"])
    key = f"{candidate.describe()} @ {runtime.flow_run.id or 'local'}"
    run_id = keyed_run(config.mlflow.tracking_uri, "switchboard-promotions", "switchboard.promotion", key[:250],
                       run_name=f"{'promote' if decision['promoted'] else 'refuse'}: {candidate.describe()}"[:250],
                       tags={"decision": "promoted" if decision["promoted"] else "refused",
                             "failed_gates": ", ".join(decision["failed"])[:250] or "none",
                             "validation_set": validation_digest()},
                       params={"candidate": candidate.describe(), "repeats": decision["repeats"],
                               **{f"champion.{k}": v for k, v in champion_versions.items()},
                               **{f"candidate.{k}": v for k, v in candidate_versions.items()}},
                       metrics=metrics, dicts={"decision.json": decision})
    rows = validation_rows().with_columns(pl.col("turn").cast(pl.Float64))  # MLflow warns on integer columns
    with warnings.catch_warnings():
        # MLflow registers its local-file dataset source for the schemes "" and "file" both, and warns that a
        # file URI matches two of them (the same class) on every resolve.
        warnings.filterwarnings("ignore", "The specified dataset source can be interpreted in multiple ways")
        dataset = mlflow.data.from_pandas(rows.to_pandas(), source=VALIDATION_FILE.as_uri(),
                                          name="switchboard-validation", digest=validation_digest())
    from mlflow import MlflowClient

    MlflowClient(config.mlflow.tracking_uri).log_inputs(run_id, [DatasetInput(
        dataset._to_mlflow_entity(), [InputTag("mlflow.data.context", "validation")])])
    return run_id


@task(retries=2, retry_delay_seconds=2)
def move_champion(config: SwitchboardConfig, candidate: Candidate, run_id: str) -> list[str]:
    store, moved = _store(config), []
    for kind, chosen in (("prompt", candidate.prompts), ("model", candidate.models)):
        for name, version in chosen.items():
            store.move_alias(kind, store.name(name), config.mlflow.alias, version, by="promote flow",
                             why=f"passed every gate (MLflow run {run_id})")
            moved.append(f"{name}@v{version}")
    return moved


def _report(candidate: Candidate, decision: dict) -> str:
    lines = [f"# Promotion of {candidate.describe()}: {'PROMOTED' if decision['promoted'] else 'REFUSED'}", "",
             "| gate | champion | candidate | tolerance | result |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {g['metric']} | {g['champion']} | {g['candidate']} | {g['tolerance']} | "
              f"{'pass' if g['passed'] else '**' + g['reason'] + '**'} |" for g in decision["gates"]]
    if decision["migration"]:
        lines += ["", "## Prompt migration: per-agent deltas (candidate - champion)", "",
                  "| agent | good rate | hallucination | fact coverage | quality |", "| --- | --- | --- | --- | --- |"]
        for agent, deltas in decision["migration"].items():
            lines.append(f"| {agent} | {deltas['good_rate']:+.3f} | {deltas['hallucination_rate']:+.3f} | "
                         f"{deltas['fact_coverage']:+.3f} | {deltas['overall_quality_mean']:+.3f} |")
    return "\n".join(lines)


@flow(name="promote", log_prints=True)
def promote(prompts: dict[str, int] | None = None, models: dict[str, int] | None = None,
            challenger: bool = False, repeats: int | None = None, dry_run: bool = False) -> dict:
    """Evaluates a candidate (prompt versions, model pins, router, or a bundle) and moves `champion` if it passes."""
    config = load_config()
    logger = get_run_logger()
    candidate = challenger_candidate(config) if challenger else Candidate(prompts=prompts or {}, models=models or {})
    if candidate.empty:
        logger.info("no candidate: nothing differs from the champion")
        return {"promoted": False, "failed": ["no candidate"], "candidate": candidate.model_dump()}
    repeats = repeats or config.promotion.repeats
    # The candidate first: a version that does not exist or cannot serve fails the run at once, not after the
    # champion's whole validation run.
    candidate_rows, candidate_versions = evaluate(config, candidate, repeats)
    champion_rows, champion_versions = evaluate(config, None, repeats)
    before, after = measure(champion_rows), measure(candidate_rows)
    gates = check_gates(before["flat"], after["flat"], config.promotion.gates)
    failed = [g.reason for g in gates if not g.passed]
    migration = {}
    if candidate.has_model_pin:  # a new model can break a prompt that worked: show it per agent
        for agent, stats in after["per_agent"].items():
            old = before["per_agent"].get(agent, stats)
            migration[agent] = {m: round(stats[m]["value"] - old[m]["value"], 4)
                                for m in ("good_rate", "hallucination_rate", "fact_coverage", "overall_quality_mean")}
    decision = {"candidate": after, "champion": before, "promoted": not failed and not dry_run, "failed": failed,
                "gates": [g.model_dump() for g in gates], "repeats": repeats, "migration": migration,
                "deltas": {k: round(after["flat"][k] - v, 4) for k, v in before["flat"].items() if k in after["flat"]},
                "worst": worst_regressions(champion_rows, candidate_rows)}
    run_id = record(config, candidate, decision, champion_versions, candidate_versions)
    decision["mlflow_run"] = run_id
    if decision["promoted"]:
        decision["moved"] = move_champion(config, candidate, run_id)
        logger.info("promoted %s; serving follows within %ss", decision["moved"], config.mlflow.poll_interval_s)
    else:
        logger.warning("refused %s: %s", candidate.describe(), "; ".join(failed) or "dry run")
    create_markdown_artifact(_report(candidate, decision), key="promotion", description="Promotion decision")
    if decision["worst"]:
        create_table_artifact([{k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in row.items()}
                               for row in decision["worst"]], key="promotion-worst", description="Worst regressions")
    return {k: decision[k] for k in ("promoted", "failed", "gates", "migration", "worst", "mlflow_run", "deltas")} | {
        "candidate": candidate.model_dump(), "moved": decision.get("moved", [])}


def gate_table(gates: list[dict]) -> Table:
    """The decision as a person reads it: each gate's champion and candidate values and whether it held."""
    table = Table(title="Promotion gates (champion -> candidate)")
    for column in ("gate", "champion", "candidate", "tolerance", "result"):
        table.add_column(column, justify="left" if column in ("gate", "result") else "right")
    for gate in gates:
        values = [("-" if gate[side] is None else f"{gate[side]:.3f}") for side in ("champion", "candidate")]
        verdict = "[green]pass[/green]" if gate["passed"] else f"[red]{gate['reason']}[/red]"
        table.add_row(gate["metric"], *values, f"{gate['tolerance']:g}", verdict)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Gated promotion of prompt and model versions.")
    parser.add_argument("--prompt", action="append", default=[], help="NAME=VERSION of a prompt, repeatable")
    parser.add_argument("--model", action="append", default=[], help="planner|generator|router|embedder=VERSION")
    parser.add_argument("--challenger", action="store_true", help="Evaluate what the `challenger` alias names")
    parser.add_argument("--repeats", type=int, default=None, help="Runs per validation conversation")
    parser.add_argument("--dry-run", action="store_true", help="Evaluate and record, never move an alias")
    args = parser.parse_args(argv)
    with beside_the_stack():
        result = promote(parse_items(args.prompt), parse_items(args.model), args.challenger, args.repeats,
                         args.dry_run)
    if result.get("gates"):
        Console().print(gate_table(result["gates"]))
    print(json.dumps({k: result[k] for k in ("promoted", "failed", "moved", "mlflow_run")}, indent=2))
    return 0 if result["promoted"] or args.dry_run else 1


if __name__ == "__main__":
    raise SystemExit(main())
