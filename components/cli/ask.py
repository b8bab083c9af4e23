"""Asking: a turn from the command line, the router's decision, the skills.

Commands import what they use inside themselves (start-up time; see components/cli/__init__.py).
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from components.cli.app import app, config_or_exit, console, print_error


@app.command()
def route(query: str, context: Annotated[str, typer.Option(help="post, job, company, profile or none.")] = "none",
          as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False) -> None:
    """Route one query and print the decision."""
    from components.routing import load_router

    config = config_or_exit()
    router = load_router(config.routing.artifact, config.routing.min_confidence)
    try:
        decision = router.route(query, context)
    except ValueError as exc:
        print_error(exc)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(decision.__dict__))
        return
    console.print(f"[bold]{decision.agent}[/bold] (confidence {decision.confidence:.2f}, "
                  f"{'in scope' if decision.in_scope else 'declined'}, {decision.version})")


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


    from components.pipeline.events import AssistRequest

    config = config_or_exit()
    if engine:
        config.engines.planner.kind = config.engines.generator.kind = engine
    try:
        request = AssistRequest(query=query, member_id=member, conversation_id=conversation,
                                context=_parse_context(context))
    except ValidationError as exc:
        problem = exc.errors()[0]
        print_error(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}")
        raise typer.Exit(2) from None
    # a bad request is refused above, before the pipeline's libraries load (seconds on 2 cores)
    from components.pipeline import RequestError, build_pipeline
    from components.stack.local import sample_apis

    async def stream() -> int:
        pipeline = build_pipeline(config)
        try:  # what the HTTP API answers with a 4xx: an unknown page or member, a blank or long query
            events = await pipeline.open(request)
        except RequestError as exc:
            print_error(f"{exc.code}: {exc.message}")
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


@app.command()
def skills() -> None:
    """List the registered skills."""
    from components.skills import default_registry

    config = config_or_exit()
    table = Table(title="Skills")
    for column in ("name", "calls", "timeout", "description"):
        table.add_column(column)
    for spec in default_registry(config.skills.extra_declarations):
        table.add_row(spec.name, f"{spec.call.method} {spec.call.path}",
                      f"{spec.call.timeout_s or config.skills.default_timeout_s:g}s", spec.description)
    console.print(table)
