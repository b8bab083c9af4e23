"""Wall time of the nightly_eval flow for 500 conversations, without an LLM judge.

Generates a day of 600 logged turns through the in-process pipeline (sample APIs on loopback), then
runs the flow on real Prefect (a temporary local API) with MLflow off, and, as the baseline in the
same run, the same sampling and scoring as a plain loop. Goal (issue 7): under 60 s on this machine.

    .venv/bin/python benchmarks/nightly_eval.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DAY, TURNS, SAMPLE = date(2026, 11, 19), 600, 500


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="switchboard-eval-bench-"))
    os.environ.update({"SWITCHBOARD_HOME": str(home), "PREFECT_HOME": str(home / "prefect"),
                       "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"})
    from components.config import load_config
    from components.conversation_log import ConversationLog
    from components.evaluation import load_rubric, sample_turns, score_turn
    from components.evaluation.traffic import backdate, simulate
    from components.network import NetworkStore
    from components.pipeline import build_pipeline
    from components.stack.local import sample_apis

    console = Console(width=120)
    network = NetworkStore.load()
    with sample_apis(config := load_config()):
        started = time.perf_counter()
        asyncio.run(simulate(build_pipeline(config), network, TURNS, seed=3))
        console.print(f"generated {TURNS} turns in {time.perf_counter() - started:.1f} s")
    backdate(home / "logs", DAY)

    started = time.perf_counter()
    rubric = load_rubric()
    turns = sample_turns(ConversationLog(home / "logs").read(DAY), DAY, SAMPLE)
    [score_turn(rubric, t) for t in turns]
    plain = time.perf_counter() - started

    from prefect.testing.utilities import prefect_test_harness

    from flows.nightly_eval import nightly_eval

    with prefect_test_harness(server_startup_timeout=120):
        started = time.perf_counter()
        summary = nightly_eval(DAY, sample_size=SAMPLE)
        flow = time.perf_counter() - started
    table = Table(title=f"nightly_eval, {summary['scored']} of {summary['logged_turns']} turns, no LLM judge")
    for column in ("run", "wall time (s)", "ratio to plain loop"):
        table.add_column(column, justify="right")
    table.add_row("plain loop: sample + score (baseline)", f"{plain:.2f}", "1.0x")
    table.add_row("Prefect flow: sample, score, summary, plot, artifacts, queue", f"{flow:.2f}", f"{flow / plain:.1f}x")
    console.print(table)
    console.print(f"goal: under 60 s - {'met' if flow < 60 else 'MISSED'}")


if __name__ == "__main__":
    main()
