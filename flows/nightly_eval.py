"""nightly_eval: yesterday's conversations scored the way annotators would, logged to MLflow.

Small tasks over components/evaluation: sample (stratified by agent) -> score in batches (code
assertions, model-free evaluators, the LLM judge when engines.judge is set) -> summarise with
intervals and deltas -> MLflow run tagged with the versions that served -> Prefect artifacts
(summary, worst turns, trend plot) -> the annotation queue for humans.

    python -m flows.nightly_eval                      # yesterday
    python -m flows.nightly_eval --day 2026-11-20 --sample-size 200
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from components.config import SwitchboardConfig, load_config
from components.conversation_log import ConversationLog
from components.engines import create_engine
from components.evaluation import (
    EvalDay,
    export_queue,
    load_rubric,
    nightly_run,
    sample_turns,
    score_turn,
    served_versions,
    shadow_comparison,
    summarize,
    trend_plot,
    worst_turns,
)
from components.evaluation.judge import judge_logged_turns
from flows import beside_the_stack, track

BATCH = 50


@task(retries=2, retry_delay_seconds=2)
def load_sample(home: str, day: date, sample_size: int) -> tuple[list[dict], int]:
    day_log = ConversationLog(Path(home) / "logs").read(day)
    return sample_turns(day_log, day, sample_size), day_log.height


@task(retries=2, retry_delay_seconds=2)
def score_batch(config: SwitchboardConfig, turns: list[dict], home: str, day: date, index: int) -> int:
    """Scores one batch and writes it atomically; a retry or a resumed run redoes only this batch."""
    rubric = load_rubric()
    scores = [score_turn(rubric, turn) for turn in turns]
    if config.engines.judge is not None:
        judged = asyncio.run(judge_logged_turns(create_engine(config.engines.judge), rubric, turns))
        for score, verdict in zip(scores, judged, strict=True):
            score["judge"] = verdict.model_dump_json() if verdict else None
    EvalDay(Path(home), day).write_batch(scores, index)
    return len(scores)


@task
def summarise(home: str, day: date, turns: list[dict], logged: int) -> dict:
    evaluated, rubric = EvalDay(Path(home), day), load_rubric()
    summary = summarize(evaluated.scores(), rubric, day, EvalDay.previous_summary(Path(home), day), logged,
                        served_versions(turns))
    summary["shadow"] = shadow_comparison(ConversationLog(Path(home) / "logs"), day, rubric)
    evaluated.write_summary(summary)
    return summary


@task(retries=1, retry_delay_seconds=5)
def assess_traces(config: SwitchboardConfig, home: str, day: date) -> dict[str, int] | None:
    """The day's scores as assessments on the traces of the turns scored, when turns are traced."""
    if not config.tracing.enabled or not config.mlflow.tracking_uri:
        return None
    from components.tracing import assess_scored_turns  # start-up time: MLflow's tracing only when traced

    return assess_scored_turns(config.mlflow.tracking_uri, config.tracing.experiment,
                               EvalDay(Path(home), day).scores().to_dicts(), config.mlflow.timeout_s)


@task
def publish(day: date, summary: dict, worst: list[dict], plot: str | None, run_id: str | None) -> None:
    rows = [f"| {key} | {stat['value']:.3f} | [{stat['low']:.3f}, {stat['high']:.3f}] | "
            f"{summary['deltas'].get(key, float('nan')):+.3f} |" for key, stat in summary["overall"].items()]
    text = "\n".join([f"# Nightly evaluation {day.isoformat()}",
                      f"{summary['scored']} of {summary['logged_turns']} logged turns scored with {summary['rubric']}"
                      + (f"; MLflow run `{run_id}`" if run_id else ""),
                      "", "| metric | value | 95% interval | delta vs previous night |", "| --- | --- | --- | --- |",
                      *rows, "", _partial_line(summary["partial"]), "", f"Trend plot: `{plot}`" if plot else ""])
    create_markdown_artifact(text, key="nightly-eval-summary", description=f"Nightly evaluation {day.isoformat()}")
    create_table_artifact(worst, key="nightly-eval-worst-turns", description="The lowest-scoring turns")


def _partial_line(partial: dict) -> str:
    if not partial["turns"]:
        return "Every scored turn's skills answered."
    good = partial["complete"]["good_rate"]
    return (f"{partial['turns']} turns were answered on failed skills ({partial['share']['value']:.1%}; "
            f"{', '.join(f'{k} {v}' for k, v in partial['failed_skills'].items())}): scored, never as good. "
            f"Good-answer rate on the other {good['n']}: {good['value']:.3f} [{good['low']:.3f}, {good['high']:.3f}].")


@flow(name="nightly_eval", log_prints=True)
def nightly_eval(day: date | None = None, sample_size: int = 500, annotation_share: float = 0.1) -> dict:
    """Scores a day of conversations (default: yesterday, UTC); re-running a date replaces its results."""
    config = load_config()
    day = day or (datetime.now(UTC).date() - timedelta(days=1))
    home = str(config.home)
    evaluated = EvalDay(Path(home), day)
    mode = evaluated.start()
    turns, logged = load_sample(home, day, sample_size)
    done = evaluated.scored_ids() if mode == "resume" else set()
    pending = [t for t in turns if t["turn_id"] not in done]
    logger = get_run_logger()
    logger.info("%s: %d logged, %d sampled, %d already scored (%s)", day, logged, len(turns), len(done), mode)
    offset = len(list(evaluated.scores_dir.glob("*.parquet")))
    futures = [score_batch.submit(config, pending[i:i + BATCH], home, day, offset + i // BATCH)
               for i in range(0, len(pending), BATCH)]
    for future in futures:
        future.result()
    summary = summarise(home, day, turns, logged)
    if (assessed := assess_traces(config, home, day)) is not None:
        logger.info("assessments on traces: %s", assessed)
    plot = trend_plot(Path(home), evaluated.root / "trend.png")
    run_id = track(config, nightly_run(day, summary, plot))
    by_id = {t["turn_id"]: t for t in turns}
    publish(day, summary, worst_turns(evaluated.scores(), by_id), str(plot) if plot else None, run_id)
    queue = turns[: max(1, int(len(turns) * annotation_share))] if turns else []
    export_queue(load_rubric(), queue, evaluated.root / "annotation_queue.jsonl")
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=date.fromisoformat, default=None)
    parser.add_argument("--sample-size", type=int, default=500)
    arguments = parser.parse_args()
    with beside_the_stack():
        nightly_eval(arguments.day, arguments.sample_size)
