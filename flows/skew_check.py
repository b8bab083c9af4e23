"""skew_check: does the data the assistant is tested on still look like production?

Contract (DESIGN.md):
    python -m flows.skew_check --reference A --current B --report R.json
A and B are JSONL or Parquet with at least `query` and `response`; R.json holds
{"drift": bool, "structural": {"drift": bool, ...}, "semantic": {"drift": bool, ...}}.

Scheduled (infra/prefect.yaml), it compares the validation set with the last days of production logs
and also proposes a refreshed holdout. Both inputs are validated with Great Expectations first: a
broken batch fails the run with GX's result instead of being reported as skew.

    python -m flows.skew_check                                   # validation set vs the last 7 days
    python -m flows.skew_check --reference A.jsonl --current B.parquet --report r.json --holdout 60

Exit codes: 0 checked (no drift, or drift without --fail-on-drift), 1 drift with --fail-on-drift,
2 a bad input, 3 the check itself failed (so a crash never reads as drift found).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from datetime import date
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from components.config import SwitchboardConfig, load_config
from components.evaluation.conversations import run_conversations
from components.evaluation.validation_set import (
    VALIDATION_FILE,
    load_validation_set,
    validation_digest,
    validation_rows,
)
from components.pipeline import build_pipeline
from components.skew import (
    ExpectationFailure,
    SampleError,
    answer_variance,
    from_log,
    propose_holdout,
    read_sample,
    shift_plot,
    skew_markdown,
    skew_report,
    skew_run,
    validate_log,
    write_report,
)
from flows import beside_the_stack, track


@task(retries=2, retry_delay_seconds=2)
def load_inputs(reference: str | None, current: str | None, home: str, days: int) -> tuple:
    if reference:
        ref, ref_name = read_sample(reference), reference
    else:
        ref, ref_name = validation_rows(), f"{VALIDATION_FILE.name}@{validation_digest()}"
    if current:
        cur, cur_name = read_sample(current), current
    else:
        cur = from_log(Path(home) / "logs", days)
        validate_log(cur.rename({"response": "answer"}), f"conversation log (last {days} days)")
        cur_name = f"production log, last {days} days"
    return ref, ref_name, cur, cur_name


@task
def compare(ref: pl.DataFrame, cur: pl.DataFrame, ref_name: str, cur_name: str) -> dict:
    return skew_report(ref, cur, reference_name=ref_name, current_name=cur_name)


@task
def repeat_validation(config: SwitchboardConfig, runs: int) -> list[dict]:
    """Runs each validation conversation's first turn `runs` times and reports how much the answers vary."""
    first_turns = [{**c, "turns": c["turns"][:1]} for c in load_validation_set()]
    replayed = asyncio.run(run_conversations(build_pipeline(config), first_turns, runs))
    answers: dict[str, list[str]] = {}
    for turn in replayed:
        answers.setdefault(turn.turn["query"], []).append(turn.done.answer if turn.done else "")
    return answer_variance(answers)


@flow(name="skew_check", log_prints=True)
def skew_check(reference: str | None = None, current: str | None = None, report: str | None = None,
               days: int = 7, holdout_size: int = 0, repeat: int = 0) -> dict:
    """Compares `reference` (default: the validation set) with `current` (default: recent production logs)."""
    config = load_config()
    ref, ref_name, cur, cur_name = load_inputs(reference, current, str(config.home), days)
    result = compare(ref, cur, ref_name, cur_name)
    out_dir = Path(config.home) / "skew" / date.today().isoformat()
    report_path = Path(report) if report else out_dir / "skew_report.json"
    if repeat > 1:
        result["nondeterminism"] = repeat_validation(config, repeat)
    if holdout_size:
        holdout = out_dir / "proposed_holdout.jsonl"
        holdout.parent.mkdir(parents=True, exist_ok=True)
        propose_holdout(cur, holdout_size).write_ndjson(holdout)
        result["proposed_holdout"] = str(holdout)
    write_report(result, report_path)
    plot = shift_plot(result, report_path.with_suffix(".png"))
    result["mlflow_run"] = track(config, skew_run(result, plot, f"{ref_name} vs {cur_name} @ {date.today()}"))
    write_report(result, report_path)
    create_markdown_artifact(skew_markdown(result), key="skew-report", description="Dev-prod skew")
    get_run_logger().info("drift=%s (structural %s, semantic %s); report %s", result["drift"],
                          result["structural"]["drift"], result["semantic"]["drift"], report_path)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dev-prod skew check (structural and semantic).",
                                     epilog="Exit codes: 0 checked, 1 drift with --fail-on-drift, 2 a bad input, "
                                            "3 the check failed.")
    parser.add_argument("--reference", help="JSONL/Parquet with query and response (default: the validation set)")
    parser.add_argument("--current", help="JSONL/Parquet with query and response (default: recent production logs)")
    parser.add_argument("--report", help="Where to write the JSON report")
    parser.add_argument("--days", type=int, default=7, help="Days of production logs when --current is not given")
    parser.add_argument("--holdout", type=int, default=0, help="Propose a refreshed holdout of this many rows")
    parser.add_argument("--repeat", type=int, default=0, help="Run each validation input N times (nondeterminism)")
    parser.add_argument("--fail-on-drift", action="store_true", help="Exit 1 when drift is found")
    args = parser.parse_args(argv)
    try:
        with beside_the_stack():
            result = skew_check(args.reference, args.current, args.report, args.days, args.holdout, args.repeat)
    except (SampleError, ExpectationFailure) as exc:
        print(f"skew_check: {exc}", file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001 - Python's own exit code for a crash is 1, which means "drift found" here
        traceback.print_exc()
        print("skew_check: the check failed before it finished (see above); no drift verdict", file=sys.stderr)
        return 3
    print(f"drift: {result['drift']} (structural: {result['structural']['drift']}, "
          f"semantic: {result['semantic']['drift']})")
    return 1 if args.fail_on_drift and result["drift"] else 0


if __name__ == "__main__":
    sys.exit(main())
