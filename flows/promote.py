"""promote: a candidate's prompt/model versions against the champion on the validation set, through gates.

Both sides run the fixed validation set (every agent, multi-turn included) several times, side by side,
are scored with the rubric evaluators, and are compared per dimension and per agent with 95% intervals. When
every gate passes, `champion` moves to the candidate's versions (the previous ones stay restorable with
`switchboard rollback`); when one fails nothing moves and the run says which gate failed, with the
worst examples. Either way the decision and its evidence are an MLflow run.

    python -m flows.promote --prompt job_assessment.generator=3 --model generator=2
    python -m flows.promote --challenger            # whatever the `challenger` alias names
"""

from __future__ import annotations

import argparse
import json

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from rich.console import Console

from components.config import SwitchboardConfig, load_config
from components.promotion import (
    Candidate,
    challenger_of,
    decide,
    evaluate_sides,
    gate_table,
    load_side,
    move_champion,
    parse_items,
    promotion_report,
    promotion_run,
)
from components.versions import LoadedVersions, ReleaseLoadError, VersionStoreError
from flows import beside_the_stack, track
from serve.cluster import ServingUnavailable, serving_engines


@task(retries=2, retry_delay_seconds=2)
def challenger_candidate(config: SwitchboardConfig) -> Candidate:
    return challenger_of(config)


# never cached: the versions behind an alias move, and a real engine answers differently from run to run
@task(cache_policy=NO_CACHE)
def load(config: SwitchboardConfig, candidate: Candidate | None) -> LoadedVersions:
    return load_side(config, candidate)


@task(cache_policy=NO_CACHE)
def evaluate(config: SwitchboardConfig, sides: dict[str, LoadedVersions], repeats: int) -> dict[str, list[dict]]:
    with serving_engines(config) as engine_for:  # promotion.generate_on=serve: vLLM pins generate on the cluster
        return evaluate_sides(config, sides, repeats, engine_for)


@task(retries=2, retry_delay_seconds=2)
def move_aliases(config: SwitchboardConfig, candidate: Candidate, run_id: str) -> list[str]:
    return move_champion(config, candidate, run_id)


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
    # Both sides loaded before either runs a turn: a version that does not exist or cannot serve fails the run
    # at once. Then they run side by side (evaluate_sides).
    sides = {"candidate": load(config, candidate), "champion": load(config, None)}
    rows = evaluate(config, sides, repeats)
    decision = decide(candidate, rows["champion"], rows["candidate"], config, repeats, dry_run)
    champion_versions, candidate_versions = (sides[side].versions(config.mlflow.prefix)
                                             for side in ("champion", "candidate"))
    decision["mlflow_run"] = run_id = track(config, promotion_run(candidate, decision, champion_versions,
                                                                  candidate_versions, runtime.flow_run.id or "local"))
    if decision["promoted"]:
        decision["moved"] = move_aliases(config, candidate, run_id)
        logger.info("promoted %s; serving follows within %ss", decision["moved"], config.mlflow.poll_interval_s)
    else:
        logger.warning("refused %s: %s", candidate.describe(), "; ".join(decision["failed"]) or "dry run")
    create_markdown_artifact(promotion_report(candidate, decision), key="promotion", description="Promotion decision")
    if decision["worst"]:
        create_table_artifact([{k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in row.items()}
                               for row in decision["worst"]], key="promotion-worst", description="Worst regressions")
    return {k: decision[k] for k in ("promoted", "failed", "gates", "migration", "worst", "mlflow_run", "deltas")} | {
        "candidate": candidate.model_dump(), "moved": decision.get("moved", []),
        "answered_by": {side: decision[side]["answered_by"] for side in ("champion", "candidate")}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Gated promotion of prompt and model versions.")
    parser.add_argument("--prompt", action="append", default=[], help="NAME=VERSION of a prompt, repeatable")
    parser.add_argument("--model", action="append", default=[], help="planner|generator|router|embedder=VERSION")
    parser.add_argument("--challenger", action="store_true", help="Evaluate what the `challenger` alias names")
    parser.add_argument("--repeats", type=int, default=None, help="Runs per validation conversation")
    parser.add_argument("--dry-run", action="store_true", help="Evaluate and record, never move an alias")
    args = parser.parse_args(argv)
    try:
        with beside_the_stack():
            result = promote(parse_items(args.prompt), parse_items(args.model), args.challenger, args.repeats,
                             args.dry_run)
    # a version that is not there or cannot serve, or no serving cluster to generate on
    except (ValueError, VersionStoreError, ReleaseLoadError, ServingUnavailable) as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        return 2
    if result.get("gates"):
        Console().print(gate_table(result["gates"]))
    print(json.dumps({k: result[k] for k in ("promoted", "failed", "moved", "mlflow_run", "answered_by")
                      if k in result}, indent=2))
    return 0 if result["promoted"] or args.dry_run else 1


if __name__ == "__main__":
    raise SystemExit(main())
