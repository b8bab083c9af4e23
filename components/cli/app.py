"""The `switchboard` application and what its commands share: the console, errors as written, the config."""

from __future__ import annotations

import typer
from rich.console import Console

from components.config import ConfigError, load_config

__all__ = ["app", "config_or_exit", "console", "data_app", "mlflow_app", "print_error", "router_app"]

app = typer.Typer(help="Switchboard: run and inspect a production generative-AI assistant.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
router_app = typer.Typer(help="The in-house router.", no_args_is_help=True)
data_app = typer.Typer(help="Shipped data: the sample network and the routing dev set.", no_args_is_help=True)
app.add_typer(router_app, name="router")
app.add_typer(data_app, name="data")
mlflow_app = typer.Typer(help="MLflow: the local server, and syncing sources into it.", no_args_is_help=True)
app.add_typer(mlflow_app, name="mlflow")
console = Console()


def print_error(error: object) -> None:
    """An error as written: its paths and log lines hold brackets that rich would read as markup
    ("[/tmp/.../haproxy.cfg:95]" raised a MarkupError in place of the error it reported)."""
    console.print(str(error), style="red", markup=False, highlight=False)


def config_or_exit():

    try:
        return load_config()
    except ConfigError as exc:
        print_error(exc)
        raise typer.Exit(2) from None
