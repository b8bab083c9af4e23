"""What the Ray Serve graph adds to time-to-first-token, against the same engine called directly.

One run, side by side, with the sim generator (fixed TTFT and TBT, no contention model) and the
extractive planner, skills on the sample APIs:
  - engine alone: the sim engine's own TTFT, called in-process;
  - pipeline in-process: the same turns (validation included) through components/pipeline, no Ray, no HTTP;
  - Serve graph: the same turns over HTTP through ingress -> agent (router inside) -> generator;
  - engine over HTTP: the engine in its own server (benchmarks/engine_server.py, as `vllm serve` serves a
    model), the baseline of ray-project/ray issue 59681, printed apart: the goal is read against the
    engine in-process, which charges HTTP to the graph as well.
It prints median and p99 TTFT at 1 and 32 concurrent streams, what the graph adds over the engine
(skills included), what Serve and HTTP add over the in-process pipeline, the streams per second
sustained, and how many streams stalled (a gap of more than 2 s between events). Then it splits what
Serve adds by the stage timings each `done` reports, times a skeleton of the same shape with none of the
work (benchmarks/serve_skeleton.py), the three-hop shape (a router deployment of its own) and its skeleton
beside them, and measures the hop floor: a no-op handle round trip between two replicas of the same
cluster, two of which lie on the first token's path (three with a router deployment).
Goals (issue 28), each against this run's own measurements: at 1 stream at most 7 ms added over the engine
and within 2 ms of the shape's skeleton; at 32 streams at most 50 ms over the engine over HTTP, no stalls
(Ray Serve's own LLM app adds about 48 ms at 1 stream and 74 ms at 32, ray-project/ray issue 59681).

    .venv/bin/python benchmarks/serve_overhead.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.engine_server import engine_over_http  # noqa: E402
from benchmarks.serve_skeleton import deploy_skeleton  # noqa: E402
from components.config import load_config  # noqa: E402
from components.engines import GenerationRequest, Grounding, TextDelta, create_engine  # noqa: E402
from components.pipeline import AssistRequest, build_pipeline  # noqa: E402
from components.stack.local import sample_apis  # noqa: E402

TTFT_MS, TBT_MS, STALL_S = 80, 15, 2.0
REQUESTS = [
    {"query": "Am I a good fit for this job?", "member_id": "m00001", "context": {"type": "job", "id": "j00002"}},
    {"query": "What are the key takeaways from this post?", "context": {"type": "post", "id": "p00003"}},
    {"query": "Tell me about this company", "context": {"type": "company", "id": "c0004"}},
    {"query": "How do I prepare for a behavioural interview?"},
]


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def _fmt(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {_p99(values):.1f}"


async def _engine_alone(engine, n: int) -> list[float]:
    ttfts = []
    for i in range(n):
        started = time.perf_counter()
        stream = engine.generate(GenerationRequest(f"alone-{i}", "answer", "p", Grounding("general_knowledge", "q")))
        async for event in stream:
            if isinstance(event, TextDelta):
                ttfts.append((time.perf_counter() - started) * 1000)
                break
        await stream.aclose()
    return ttfts


async def _in_process(pipeline, concurrency: int, rounds: int, timings: list | None = None) -> list[float]:
    async def one(i: int) -> float:
        started, first = time.perf_counter(), None
        events = await pipeline.open(AssistRequest(**REQUESTS[i % len(REQUESTS)]))  # validates, as HTTP does
        async for event in events:
            if event.name == "delta" and first is None:
                first = (time.perf_counter() - started) * 1000
            elif event.name == "done" and timings is not None:
                timings.append((first, event.payload()["timings"]))
        return first

    out = []
    for r in range(rounds):
        out += await asyncio.gather(*(one(r * concurrency + i) for i in range(concurrency)))
    return out


async def _over_http(url: str, concurrency: int, rounds: int,
                     timings: list | None = None) -> tuple[list[float], int, float]:
    stalls = 0

    async def one(client: httpx.AsyncClient, i: int) -> float:
        nonlocal stalls
        started = last = time.perf_counter()
        first, name = None, None
        async with client.stream("POST", f"{url}/v1/assist", json=REQUESTS[i % len(REQUESTS)]) as response:
            async for line in response.aiter_lines():
                now = time.perf_counter()
                if now - last > STALL_S:
                    stalls += 1
                last = now
                if line.startswith("event: "):
                    name = line[len("event: "):]
                    if name == "delta" and first is None:
                        first = (now - started) * 1000
                elif name == "done" and line.startswith("data: ") and timings is not None:
                    timings.append((first, json.loads(line[len("data: "):])["timings"]))
        return first

    out = []
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=64)) as client:
        started = time.perf_counter()
        for r in range(rounds):
            out += await asyncio.gather(*(one(client, r * concurrency + i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return out, stalls, len(out) / elapsed


def _hop_floor(rounds: int = 20) -> dict[str, float]:
    """Median round trip of a no-op handle call between two replicas of this cluster, hot and after a pause.

    The turn's first token crosses three such round trips: ingress-agent and agent-generator to replicas
    busy with the previous turn's stream at 1 stream, agent-router to one idle for most of a turn.
    """
    from ray import serve

    from serve.tuning import replica_transport

    @serve.deployment(name="echo", ray_actor_options={"num_cpus": 0})
    class Echo:
        async def echo(self, value: int) -> int:  # async, like the router's route: no thread-pool hop
            return value

    @serve.deployment(name="probe", ray_actor_options={"num_cpus": 0})
    class Probe:
        def __init__(self, echo) -> None:
            self.echo = replica_transport(echo)  # as the app's deployments do: the tuned transport

        async def round_trips(self, pause_s: float, n: int) -> list[float]:
            out = []
            for i in range(n):
                await asyncio.sleep(pause_s)
                started = time.perf_counter()
                await self.echo.echo.remote(i)
                out.append((time.perf_counter() - started) * 1000)
            return out

    probe = serve.run(Probe.bind(Echo.bind()), name="hop-probe", route_prefix=None)

    async def measure(pause_s: float) -> float:
        return statistics.median(await probe.round_trips.remote(pause_s, rounds))

    async def both() -> dict[str, float]:
        await measure(0.0)  # warm up: the handle's first calls open the channel
        return {"hot": await measure(0.0), "after 0.5 s idle": await measure(0.5)}

    floor = asyncio.run(both())
    serve.delete("hop-probe")
    return floor


def _like_for_like(runs: dict[int, tuple[list[float], list[float]]]) -> Table:
    """The graph against the engine served directly over HTTP (benchmarks/engine_server.py), same client."""
    table = Table(title="Against the engine served directly over HTTP, as issue 59681 measures Ray Serve LLM "
                        "(TTFT ms, median / p99)")
    for column in ("streams", "engine over HTTP", "Serve graph (HTTP)", "graph adds"):
        table.add_column(column, justify="right")
    for concurrency, (direct, graph) in runs.items():
        table.add_row(str(concurrency), _fmt(direct), _fmt(graph),
                      f"{statistics.median(graph) - statistics.median(direct):.1f} / {_p99(graph) - _p99(direct):.1f}")
    return table


def _breakdown(local: list, remote: list) -> Table:
    """Where Serve+HTTP's added TTFT goes, from the stages each turn's `done` reports (agent-side clock)."""

    def median(rows: list, measure) -> float:
        return statistics.median(measure(first, timings) for first, timings in rows)

    parts = {
        "router hop (the model's ~1 ms included: in-process it runs before the turn's clock)":
            lambda first, t: t["stages"]["route_ms"],
        "generator hop (request out, first token back)":
            lambda first, t: t["ttft_ms"] - t["stages"]["skills_done_ms"] - t["stages"]["engine_ttft_ms"],
        "proxy, ingress, agent call and the token's way out": lambda first, t: first - t["ttft_ms"],
    }
    table = Table(title="Where Serve+HTTP's added TTFT goes (1 stream, median ms, Serve minus in-process)")
    table.add_column("part")
    table.add_column("ms", justify="right")
    total = median(remote, lambda first, t: first) - median(local, lambda first, t: first)
    for label, measure in parts.items():
        added = median(remote, measure) - median(local, measure)
        total -= added
        table.add_row(label, f"{added:.1f}")
    table.add_row("the rest (planning, skills and retrieval in the agent's process)", f"{total:.1f}")
    return table


def _shapes(config, url: str, turns: int, one: dict[str, list[float]], many: dict[str, list[float]],
            engine_one: float, direct_http: dict) -> dict:
    """Today's shape beside the three-hop one (a router deployment of its own), the skeleton of each and the
    skeleton of the agent taking HTTP itself (no ingress), in this run: TTFT added at 1 stream over the engine
    in-process, at 32 over the engine served over HTTP."""
    from ray import serve

    from components.stack.supervisor import healthy
    from serve.app import build_app

    three = config.model_copy(update={
        "serve": config.serve.model_copy(update={"router_deployment": True}),
        "apis": config.apis.model_copy(update={"base_url": f"{url}/internal"})})
    serve.run(build_app(three), name="threehop", route_prefix="/threehop")
    deadline = time.monotonic() + 60
    while not healthy(f"{url}/threehop/healthz"):
        assert time.monotonic() < deadline, "the three-hop application did not answer"
        time.sleep(0.5)
    urls = {"router deployment of its own (three hops)": f"{url}/threehop",
            "skeleton, router in the agent": deploy_skeleton(url, TTFT_MS, TBT_MS, name="skeleton2"),
            "skeleton, router deployment (three hops)": deploy_skeleton(url, TTFT_MS, TBT_MS, name="skeleton3",
                                                                        router_hop=True),
            "skeleton, agent takes HTTP (no ingress)": deploy_skeleton(url, TTFT_MS, TBT_MS, name="skeleton1",
                                                                       direct=True)}
    stalls = {}
    for name, shape_url in urls.items():
        asyncio.run(_over_http(shape_url, 1, 8))  # warm up
        one[name], _, _ = asyncio.run(_over_http(shape_url, 1, turns))
        many[name], stalls[name], _ = asyncio.run(_over_http(shape_url, 32, 3))
    for name in ("threehop", "skeleton1", "skeleton2", "skeleton3"):
        serve.delete(name)
    direct_many = statistics.median(direct_http[32][0])
    table = Table(title="Shapes, this run (TTFT ms added, median / p99): at 1 stream over the engine in-process, "
                        "at 32 over the engine over HTTP")
    for column in ("shape", "1 stream", "32 streams", "stalls at 32"):
        table.add_column(column, justify="right" if column != "shape" else "left")
    for name in one:
        table.add_row(name, f"{statistics.median(one[name]) - engine_one:.1f} / {_p99(one[name]) - engine_one:.1f}",
                      f"{statistics.median(many[name]) - direct_many:.1f} / "
                      f"{_p99(many[name]) - _p99(direct_http[32][0]):.1f}", str(stalls.get(name, "-")))
    return {"table": table, "skeleton": one["skeleton, router in the agent"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ray-defaults", action="store_true",
                        help="Ray Serve's defaults (Python proxy, actor calls, threads), not serve/tuning.py's")
    parser.add_argument("--turns", type=int, default=100,
                        help="turns at 1 stream: single turns spread over ~10 ms, so a median of 40 moved by ~1 ms "
                             "from run to run")
    args = parser.parse_args()
    from ray import serve

    from serve.app import run_local
    from serve.tuning import RAY_DEFAULTS, SERVE_TUNING

    if args.ray_defaults:  # what Ray does when these are unset
        os.environ.update(RAY_DEFAULTS)

    console = Console(width=150)
    home = tempfile.mkdtemp(prefix="switchboard-serve-bench-")
    environ = {"SWITCHBOARD_HOME": home, "SWITCHBOARD_SERVE__PORT": "8799",
               "SWITCHBOARD_ENGINES__GENERATOR__KIND": "sim",
               "SWITCHBOARD_ENGINES__GENERATOR__SIM__TTFT_MS": str(TTFT_MS),
               "SWITCHBOARD_ENGINES__GENERATOR__SIM__TBT_MS": str(TBT_MS),
               "SWITCHBOARD_ENGINES__GENERATOR__SIM__TBT_GROWTH_PER_STREAM": "0"}
    config = load_config(environ=environ)
    table = Table(title=f"TTFT in ms, median / p99 (sim generator: TTFT {TTFT_MS} ms, TBT {TBT_MS} ms)")
    for column in ("streams", "engine alone", "pipeline in-process", "Serve graph (HTTP)", "graph adds over engine",
                   "Serve+HTTP add over in-process", "streams/s", "stalls"):
        table.add_column(column, justify="right")
    console.print("starting Ray Serve ...")
    url = run_local(config, block=False)  # first: Ray forks its processes before this one loads LanceDB
    # the pipeline's APIs in this process; the graph calls its own application's
    with sample_apis(config), engine_over_http(8797, environ) as engine_url:
        pipeline = build_pipeline(config)
        engine = create_engine(config.engines.generator)
        asyncio.run(_over_http(url, 1, 8))  # warm up: replicas, connections, caches
        asyncio.run(_over_http(engine_url, 1, 8))
        asyncio.run(_in_process(pipeline, 1, 8))
        local_timings, remote_timings, direct_http = [], [], {}
        for concurrency, rounds in ((1, args.turns), (32, 3)):
            alone = asyncio.run(_engine_alone(engine, 20))
            local = asyncio.run(_in_process(pipeline, concurrency, rounds, local_timings if concurrency == 1 else None))
            direct, _, _ = asyncio.run(_over_http(engine_url, concurrency, rounds))
            remote, stalls, rate = asyncio.run(_over_http(url, concurrency, rounds,
                                                          remote_timings if concurrency == 1 else None))
            direct_http[concurrency] = (direct, remote)
            base, mid_local = statistics.median(alone), statistics.median(local)
            if concurrency == 1:
                pipeline_ms, engine_one, graph_one = mid_local - base, base, statistics.median(remote)
            table.add_row(str(concurrency), _fmt(alone), _fmt(local), _fmt(remote),
                          f"{statistics.median(remote) - base:.1f} / {_p99(remote) - base:.1f}",
                          f"{statistics.median(remote) - mid_local:.1f} / {_p99(remote) - _p99(local):.1f}",
                          f"{rate:.1f}", str(stalls))
        shapes = _shapes(config, url, args.turns, {"router in the agent (the default)": direct_http[1][1]},
                         {"router in the agent (the default)": direct_http[32][1]}, engine_one, direct_http)
        skeleton = shapes.pop("skeleton")
        floor = _hop_floor()
        serve.shutdown()
    console.print(table)
    console.print(shapes["table"])
    console.print(_like_for_like(direct_http))
    console.print(_breakdown(local_timings, remote_timings))
    hops = 2 * floor["hot"]
    console.print("Hop floor, a no-op handle round trip between two replicas (median ms): "
                  + ", ".join(f"{name} {ms:.1f}" for name, ms in floor.items())
                  + f". The first token crosses two hot round trips (ingress-agent, agent-generator): {hops:.1f} ms, "
                  f"plus the pipeline's own {pipeline_ms:.1f} ms in-process: the graph adds at least about "
                  f"{hops + pipeline_ms:.1f} ms over the engine on this machine, before HTTP.")
    skeleton_ms = statistics.median(skeleton) - engine_one
    console.print(f"A skeleton of the same shape with none of the work (benchmarks/serve_skeleton.py: a no-op router, "
                  f"the sim engine's timing) adds {skeleton_ms:.1f} ms median over the engine at 1 stream (p99 "
                  f"{_p99(skeleton) - engine_one:.1f}): this machine's floor for the graph's hops and HTTP now; "
                  f"the pipeline, its skills and its data add the other {graph_one - engine_one - skeleton_ms:.1f} ms.")
    console.print("Ray Serve settings: " + ("Ray's defaults (--ray-defaults)" if args.ray_defaults else
                                           "serve/tuning.py SERVE_TUNING, " + ", ".join(f"{k}={v}" for k, v in
                                                                                    SERVE_TUNING.items())))
    console.print("'graph adds over engine' includes routing, the skill calls and retrieval; 'Serve+HTTP add' is "
                  "the cost of the deployment graph and the HTTP proxy alone.")


if __name__ == "__main__":
    main()
