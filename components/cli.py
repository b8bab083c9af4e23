"""`switchboard`: the command line a person runs. Each command is wiring over one component."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["app"]

app = typer.Typer(help="Switchboard: run and inspect a production generative-AI assistant.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
router_app = typer.Typer(help="The in-house router.", no_args_is_help=True)
data_app = typer.Typer(help="Shipped data: the sample network and the routing dev set.", no_args_is_help=True)
app.add_typer(router_app, name="router")
app.add_typer(data_app, name="data")
mlflow_app = typer.Typer(help="MLflow: the local server, and syncing sources into it.", no_args_is_help=True)
app.add_typer(mlflow_app, name="mlflow")
console = Console()


def _print_error(error: object) -> None:
    """An error as written: its paths and log lines hold brackets that rich would read as markup
    ("[/tmp/.../haproxy.cfg:95]" raised a MarkupError in place of the error it reported)."""
    console.print(str(error), style="red", markup=False, highlight=False)


def _config():
    from components.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        _print_error(exc)
        raise typer.Exit(2) from None


@app.command()
def apis(host: Annotated[str | None, typer.Option(help="Bind address (config: apis.host).")] = None,
         port: Annotated[int | None, typer.Option(help="Port (config: apis.port).")] = None) -> None:
    """Serve the sample internal APIs over HTTP."""
    import uvicorn

    config = _config()
    uvicorn.run("components.network.api:build_default_api", factory=True, host=host or config.apis.host,
                port=port or config.apis.port, log_level="info")


@app.command()
def route(query: str, context: Annotated[str, typer.Option(help="post, job, company, profile or none.")] = "none",
          as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False) -> None:
    """Route one query and print the decision."""
    from components.routing import load_router

    config = _config()
    router = load_router(config.routing.artifact, config.routing.min_confidence)
    try:
        decision = router.route(query, context)
    except ValueError as exc:
        _print_error(exc)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(decision.__dict__))
        return
    console.print(f"[bold]{decision.agent}[/bold] (confidence {decision.confidence:.2f}, "
                  f"{'in scope' if decision.in_scope else 'declined'}, {decision.version})")


@app.command()
def up() -> None:
    """Start the stack with the embedded defaults in the background and print its URLs."""
    from components.stack import StackError, default_services, start, stop

    config = _config()
    services = default_services(config)
    try:
        with console.status("starting services") as spinner:
            start(config, services, progress=lambda name: spinner.update(f"waiting for {name} to be healthy"))
    except StackError as exc:
        stop(config, services)  # all or nothing: no half-started stack left behind
        _print_error(exc)
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

    config = _config()
    stopped = stop(config, default_services(config))
    console.print(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@app.command()
def status(processes: bool = typer.Option(False, "--processes", help="List each process under its service.")) -> None:
    """Each service of `up`: healthy or not, and its memory (PSS and RSS of its processes), with the totals."""
    from components.stack import default_services
    from components.stack import status as health
    from components.stack.footprint import footprint

    config = _config()
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


def _parse_context(value: str) -> dict:
    if value == "none":
        return {"type": "none"}
    kind, _, ident = value.partition(":")
    if not ident:
        raise typer.BadParameter("use TYPE:ID, e.g. job:j00001 (or none)", param_hint="--context")
    return {"type": kind, "id": ident}


@app.command()
def ask(query: str,
        context: Annotated[str, typer.Option(help="TYPE:ID of the page, e.g. job:j00001, post:p00001.")] = "none",
        member: Annotated[str | None, typer.Option(help="The asking member's id, e.g. m00001.")] = None,
        engine: Annotated[str | None, typer.Option(help="Engine for planner and generator (e.g. sim).")] = None,
        conversation: Annotated[str | None, typer.Option(help="Continue this conversation id.")] = None) -> None:
    """Ask one question in-process and stream the answer, with route, skills and attachments."""
    import asyncio

    from pydantic import ValidationError

    from components.pipeline.events import AssistRequest

    config = _config()
    if engine:
        config.engines.planner.kind = config.engines.generator.kind = engine
    try:
        request = AssistRequest(query=query, member_id=member, conversation_id=conversation,
                                context=_parse_context(context))
    except ValidationError as exc:
        problem = exc.errors()[0]
        _print_error(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}")
        raise typer.Exit(2) from None
    # a bad request is refused above, before the pipeline's libraries load (seconds on 2 cores)
    from components.pipeline import RequestError, build_pipeline
    from components.stack.local import sample_apis

    async def stream() -> int:
        pipeline = build_pipeline(config)
        try:  # what the HTTP API answers with a 4xx: an unknown page or member, a blank or long query
            events = await pipeline.open(request)
        except RequestError as exc:
            _print_error(f"{exc.code}: {exc.message}")
            return 2
        async for event in events:
            data = event.payload()
            if event.name == "route":
                console.print(f"[dim]route[/dim] [bold]{data['agent']}[/bold] ({data['confidence']:.2f})")
            elif event.name == "skill" and data["status"] != "started":
                colour = "green" if data["status"] == "done" else "red"
                console.print(f"[dim]skill[/dim] [{colour}]{data['name']}[/{colour}] {data['params']} "
                              f"{data['latency_ms']:.0f} ms {data['error'] or ''}")
            elif event.name == "plan" and data["repairs"]:
                console.print(f"[dim]plan repaired: {', '.join(data['repairs'])}[/dim]")
            elif event.name == "delta":
                console.print(data["text"], end="", markup=False, highlight=False)
            elif event.name == "trust":
                console.print(f"\n[yellow]trust {data['action']}: {data['category']}[/yellow]")
            elif event.name == "attachment":
                console.print(f"\n[cyan]{data['kind']}[/cyan] {data['title']} {data['url']}", end="")
            elif event.name == "followups":
                console.print("\n[dim]follow-ups:[/dim] " + " | ".join(data["suggestions"]))
            elif event.name == "done":
                timings = data["timings"]
                degraded = f" · degraded: {data['degraded']}" if data["degraded"] else ""
                console.print(f"[dim]turn {data['turn_id']} · ttft {timings['ttft_ms'] or 0:.0f} ms · total "
                              f"{timings['total_ms']:.0f} ms{degraded}[/dim]")
            elif event.name == "error":
                console.print(f"\n[red]error {data['code']}: {data['message']}[/red]")
                return 1
        return 0

    with sample_apis(config):
        code = asyncio.run(stream())
    raise typer.Exit(code)


@router_app.command("train")
def router_train() -> None:
    """Train the router on the dev set, print the held-out report and write the artifact."""
    from components.routing import train

    train.main([])


@router_app.command("report")
def router_report() -> None:
    """Print per-class precision/recall on held-out seeds (the artifact is untouched)."""
    from components.routing import train

    train.main(["--report"])


@app.command()
def skills() -> None:
    """List the registered skills."""
    from components.skills import default_registry

    config = _config()
    table = Table(title="Skills")
    for column in ("name", "calls", "timeout", "description"):
        table.add_column(column)
    for spec in default_registry(config.skills.extra_declarations):
        table.add_row(spec.name, f"{spec.call.method} {spec.call.path}",
                      f"{spec.call.timeout_s or config.skills.default_timeout_s:g}s", spec.description)
    console.print(table)


@data_app.command("generate")
def data_generate() -> None:
    """Regenerate the sample network and the routing dev set (deterministic)."""
    from components.network.generate import generate, write_network
    from components.network.store import default_data_dir
    from components.routing import devset

    for name, digest in write_network(generate(), default_data_dir()).items():
        console.print(f"network/{name:10s} {digest[:16]}")
    rows = devset.expand()
    devset.DEV_SET.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    console.print(f"routing/dev_set   {len(rows)} rows")



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
        _print_error(exc)
        raise typer.Exit(1) from None


@mlflow_app.command("server")
def mlflow_server() -> None:
    """Run the local MLflow server (SQLite + artifacts under $SWITCHBOARD_HOME/mlflow, loopback only)."""
    import os

    from components.stack import mlflow_command

    config = _config()
    command = mlflow_command(config)
    os.execvpe(command[0], command, {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})


@mlflow_app.command("sync")
def mlflow_sync() -> None:
    """Register every prompt, model pin, the router and the embedder whose source changed (idempotent)."""
    from components.versions import sync_all

    config = _config()
    store = _store(config)
    with console.status(f"syncing sources into {store.tracking_uri}"):
        changes = _versions_call(lambda: sync_all(store, alias=config.mlflow.alias))
    for change in changes:
        note = f" ({config.mlflow.alias})" if change.first else ""
        console.print(f"registered {change.kind} [bold]{change.name}[/bold] v{change.version}{note}")
    console.print(f"{len(changes)} new version(s); everything else unchanged")


@app.command()
def versions() -> None:
    """What serves now: every prompt and model in MLflow with its aliases."""
    from components.versions import serving_table

    config = _config()
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

    config = _config()
    store = _store(config)
    kind, full = _versions_call(lambda: kind_of(store, name))
    before, after = _versions_call(lambda: store.rollback(kind, full, why=why, by=by, alias=config.mlflow.alias))
    console.print(f"{full}: {config.mlflow.alias} v{before} -> v{after}; serving picks it up within "
                  f"{config.mlflow.poll_interval_s:g}s")



@app.command()
def traffic(turns: Annotated[int, typer.Option(help="Turns to send (follow-ups included).", min=1)] = 100,
            url: Annotated[str | None, typer.Option(help="Assistant base URL (default: the Serve app).")] = None,
            concurrency: Annotated[int, typer.Option(help="Conversations in flight at once.", min=1)] = 4,
            seed: Annotated[int, typer.Option(help="Seed of the question stream.")] = 7) -> None:
    """Replay realistic member questions (typos, follow-ups, feedback) against the running service."""
    import asyncio

    from rich.progress import Progress

    from components.evaluation.traffic import replay
    from components.network import NetworkStore

    config = _config()
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
    import shutil
    from pathlib import Path

    import polars as pl

    from components.evaluation import AnnotationError, EvalDay, import_labels, judge_human_agreement, load_rubric

    config = _config()
    day = when.date().isoformat()
    rubric, evaluated = load_rubric(), EvalDay(config.home, when.date())
    try:
        imported = import_labels(Path(file), rubric)
    except (AnnotationError, OSError) as exc:
        _print_error(exc)
        raise typer.Exit(2) from None
    scores = evaluated.scores()
    if not scores.height:
        console.print(f"[red]no scores for {day} under {config.home}/eval: run the nightly_eval flow first[/red]")
        raise typer.Exit(1)
    # labels are versioned with the criteria they were made under
    stored = Path(config.home) / "eval" / "labels" / rubric.ref / f"{day}.jsonl"
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, stored)
    report = judge_human_agreement(scores.select(pl.exclude("findings")).to_dicts(), imported)
    table = Table(title=f"Judge-human agreement, {day}, {len(imported)} labelled turns ({rubric.ref})")
    for column in ("dimension", "kappa", "TPR", "TNR", "n"):
        table.add_column(column, justify="right")
    for name, stats in report.items():
        table.add_row(name, f"{stats['kappa']:.3f}", f"{stats['tpr']:.3f}", f"{stats['tnr']:.3f}", str(stats["n"]))
    console.print(table)
    console.print(f"labels kept at {stored}")



@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def promote(ctx: typer.Context) -> None:
    """Gated promotion (the promote flow): --prompt NAME=V, --model NAME=V, --challenger, --dry-run, --repeats N."""
    from components.versions import ReleaseLoadError, VersionStoreError
    from flows.promote import main

    _config()
    try:
        raise typer.Exit(main(ctx.args))
    except (ValueError, VersionStoreError, ReleaseLoadError) as exc:  # a version that is not there or cannot serve
        _print_error(exc)
        raise typer.Exit(2) from None


if __name__ == "__main__":
    app()
