"""Evaluation: replayed traffic and human labels.

Commands import what they use inside themselves (start-up time; see components/cli/__init__.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from components.cli.app import app, config_or_exit, console, print_error


@app.command()
def traffic(turns: Annotated[int, typer.Option(help="Turns to send (follow-ups included).", min=1)] = 100,
            url: Annotated[str | None, typer.Option(help="Assistant base URL (default: the Serve app).")] = None,
            concurrency: Annotated[int, typer.Option(help="Conversations in flight at once.", min=1)] = 4,
            seed: Annotated[int, typer.Option(help="Seed of the question stream.")] = 7) -> None:
    """Replay realistic member questions (typos, follow-ups, feedback) against the running service."""

    from rich.progress import Progress

    from components.evaluation.traffic import replay
    from components.network import NetworkStore

    config = config_or_exit()
    base = (url or f"http://{config.serve.host}:{config.serve.port}").rstrip("/")
    network = NetworkStore.load(config.apis.data_dir)
    with Progress(console=console) as progress:
        bar = progress.add_task(f"turns to {base}", total=turns)
        report = asyncio.run(replay(base, turns, network, seed=seed, concurrency=concurrency,
                                    progress=lambda: progress.advance(bar)))
    console.print(f"{report.turns} turns ({report.follow_ups} follow-ups), {report.feedback} ratings; "
                  f"by agent: {report.agents}")
    if report.errors:
        console.print(f"[red]{len(report.errors)} failed[/red], e.g. {report.errors[0]}")
        raise typer.Exit(1)


@app.command()
def labels(file: Annotated[str, typer.Argument(help="A completed annotation queue (JSONL).")],
           when: Annotated[datetime, typer.Option(
               "--day", formats=["%Y-%m-%d"], help="The evaluated date the queue came from (YYYY-MM-DD).")]) -> None:
    """Import human labels for an evaluated day and print judge-human agreement per dimension."""

    import polars as pl

    from components.evaluation import AnnotationError, EvalDay, import_labels, judge_human_agreement, load_rubric

    config = config_or_exit()
    day = when.date().isoformat()
    rubric, evaluated = load_rubric(), EvalDay(config.home, when.date())
    try:
        imported = import_labels(Path(file), rubric)
    except (AnnotationError, OSError) as exc:
        print_error(exc)
        raise typer.Exit(2) from None
    scores = evaluated.scores()
    if not scores.height:
        console.print(f"[red]no scores for {day} under {config.home}/eval: run the nightly_eval flow first[/red]")
        raise typer.Exit(1)
    stored = evaluated.keep_labels(Path(file), rubric.ref)
    report = judge_human_agreement(scores.select(pl.exclude("findings")).to_dicts(), imported)
    table = Table(title=f"Judge-human agreement, {day}, {len(imported)} labelled turns ({rubric.ref})")
    for column in ("dimension", "kappa", "TPR", "TNR", "n"):
        table.add_column(column, justify="right")
    for name, stats in report.items():
        table.add_row(name, f"{stats['kappa']:.3f}", f"{stats['tpr']:.3f}", f"{stats['tnr']:.3f}", str(stats["n"]))
    console.print(table)
    console.print(f"labels kept at {stored}")
