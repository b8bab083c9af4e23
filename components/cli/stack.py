"""The local stack: the sample APIs, `up`, `down` and `status`.

Commands import what they use inside themselves (start-up time; see components/cli/__init__.py).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from components.cli.app import app, config_or_exit, console, print_error


@app.command()
def apis(host: Annotated[str | None, typer.Option(help="Bind address (config: apis.host).")] = None,
         port: Annotated[int | None, typer.Option(help="Port (config: apis.port).")] = None) -> None:
    """Serve the sample internal APIs over HTTP."""
    import uvicorn

    config = config_or_exit()
    uvicorn.run("components.network.api:build_default_api", factory=True, host=host or config.apis.host,
                port=port or config.apis.port, log_level="info")


@app.command()
def up() -> None:
    """Start the stack with the embedded defaults in the background and print its URLs."""
    from components.stack import StackError, default_services, start, stop

    config = config_or_exit()
    services = default_services(config)
    try:
        with console.status("starting services") as spinner:
            start(config, services, progress=lambda name: spinner.update(f"waiting for {name} to be healthy"))
    except StackError as exc:
        stop(config, services)  # all or nothing: no half-started stack left behind
        print_error(exc)
        raise typer.Exit(1) from None
    table = Table(title="Switchboard is up", show_header=False)
    for service in services:
        for label, url in service.urls.items():
            table.add_row(label, url)
    console.print(table)
    console.print(f"logs: {config.home}/run/*.log    stop with: make down")


@app.command()
def down() -> None:
    """Stop everything `up` started."""
    from components.stack import default_services, stop

    config = config_or_exit()
    stopped = stop(config, default_services(config))
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
def status(processes: bool = typer.Option(False, "--processes", help="List each process under its service.")) -> None:
    """Each service of `up`: healthy or not, and its memory (PSS and RSS of its processes), with the totals."""
    from components.stack import default_services
    from components.stack import status as health
    from components.stack.footprint import footprint

    config = config_or_exit()
    services = default_services(config)
    answering = health(config, services)
    table = Table(title="Switchboard services (PSS: shared pages divided among their users; RSS counts them "
                        "in each)")
    for column in ("service", "state", "processes", "PSS MiB", "RSS MiB"):
        table.add_column(column, justify="right" if "MiB" in column or column == "processes" else "left")
    report = footprint(config, services)
    for memory in report:
        state = "healthy" if answering[memory.name] else "running, not answering" if memory.running else "down"
        table.add_row(memory.name, state, str(len(memory.processes)), f"{memory.pss_kib / 1024:,.0f}",
                      f"{memory.rss_kib / 1024:,.0f}")
        for process in memory.processes if processes else ():
            table.add_row(f"  {process.pid}", process.name[:60], "", f"{process.pss_kib / 1024:,.0f}",
                          f"{process.rss_kib / 1024:,.0f}", style="dim")
    table.add_section()
    table.add_row("total", f"{sum(answering.values())} of {len(services)} healthy",
                  str(sum(len(m.processes) for m in report)), f"{sum(m.pss_kib for m in report) / 1024:,.0f}",
                  f"{sum(m.rss_kib for m in report) / 1024:,.0f}", style="bold")
    console.print(table)
    if not all(answering.values()):
        console.print("start what is down: make up (it starts only the services that are not running; "
                      f"logs in {config.home}/run/)")
