"""MLflow: the local server, syncing sources into it, versions, rollback and gated promotion.

Commands import what they use inside themselves (start-up time; see components/cli/__init__.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer
from rich.table import Table

from components.cli.app import app, config_or_exit, console, mlflow_app, print_error


def _store(config):
    from components.versions import VersionStore

    settings = config.mlflow
    return VersionStore(settings.tracking_uri or settings.local_url, settings.prefix, settings.timeout_s)


def _versions_call(function):
    """Runs `function`, turning an unreachable server or a missing item into a message and exit code 1."""
    from components.versions import ReleaseLoadError, SpecError, VersionStoreError

    try:
        return function()
    except (VersionStoreError, SpecError, ReleaseLoadError) as exc:
        print_error(exc)
        raise typer.Exit(1) from None


@mlflow_app.command("server")
def mlflow_server() -> None:
    """Run the local MLflow server (SQLite + artifacts under $SWITCHBOARD_HOME/mlflow, loopback only)."""

    from components.stack import mlflow_command

    config = config_or_exit()
    command = mlflow_command(config)
    os.execvpe(command[0], command, {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})


@mlflow_app.command("sync")
def mlflow_sync() -> None:
    """Register every prompt, model pin, the router and the embedder whose source changed (idempotent)."""
    from components.versions import pins_dir, sync_all

    config = config_or_exit()
    store = _store(config)
    with console.status(f"syncing sources into {store.tracking_uri}"):
        changes = _versions_call(lambda: sync_all(store, alias=config.mlflow.alias, models_dir=pins_dir(config)))
    for change in changes:
        note = f" ({config.mlflow.alias})" if change.first else ""
        console.print(f"registered {change.kind} [bold]{change.name}[/bold] v{change.version}{note}")
    console.print(f"{len(changes)} new version(s); everything else unchanged")


@app.command()
def versions() -> None:
    """What serves now: every prompt and model in MLflow with its aliases."""
    from components.versions import serving_table

    config = config_or_exit()
    store = _store(config)
    table = Table(title=f"Versions in {store.tracking_uri} (serving follows '{config.mlflow.alias}')")
    for column in ("kind", "name", "aliases"):
        table.add_column(column)
    for row in _versions_call(lambda: serving_table(store)):
        table.add_row(row["kind"], row["name"], row["aliases"])
    console.print(table)


@app.command()
def rollback(name: Annotated[str, typer.Argument(help="Prompt or model, e.g. generator or job_assessment.generator.")],
             why: Annotated[str, typer.Option(help="Reason, recorded as a tag on the version.")],
             by: Annotated[str | None, typer.Option(help="Who rolls back (default: login name).")] = None
             ) -> None:
    """Move `champion` back to the version that served before it."""
    from components.versions import kind_of

    config = config_or_exit()
    store = _store(config)
    kind, full = _versions_call(lambda: kind_of(store, name))
    before, after = _versions_call(lambda: store.rollback(kind, full, why=why, by=by, alias=config.mlflow.alias))
    console.print(f"{full}: {config.mlflow.alias} v{before} -> v{after}; serving picks it up within "
                  f"{config.mlflow.poll_interval_s:g}s")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def promote(ctx: typer.Context) -> None:
    """Gated promotion (the promote flow): --prompt NAME=V, --model NAME=V, --challenger, --dry-run, --repeats N."""

    config_or_exit()
    # The flow is Prefect wiring, which components never import: it runs as its own process, as `make up` runs it.
    raise typer.Exit(subprocess.run([sys.executable, "-m", "flows.promote", *ctx.args], check=False).returncode)
