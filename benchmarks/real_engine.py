"""What the Serve graph adds to a real engine, side by side in one run: SmolLM2-135M-Instruct on vLLM's CPU build.

Three ways to the same model, with the same answer prompts (the pipeline's own, captured in-process from the
sample APIs with the planner left to code, so the model only answers), at 1 and 8 concurrent streams:
  - AsyncLLM alone: the project's `vllm` engine in-process in vLLM's environment (benchmarks/vllm_batch.py);
  - the Serve graph: POST /v1/assist through ingress -> agent -> generator, the generator deployment in vLLM's
    environment (the cpu-llm profile), timed at the client as a member sees it;
  - Ray Serve LLM's own app (`build_openai_app`, benchmarks/serve_llm_app.py) on the same checkpoint, streamed
    over /v1/chat/completions; ray-project/ray issue 59681 put it about 48 ms behind bare vLLM at 1 stream.
It prints median and p90 time to first token and median time between tokens per shape, and what each adds
over AsyncLLM alone, each shape measured with vLLM's prefix cache warm (every prompt asked once first).
The graph's first token also waits for routing, the skills and example retrieval: the `done` event's
stages split that out (its engine TTFT is printed beside).

    .venv/bin/python benchmarks/real_engine.py            # about 6 minutes here
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.serve_overhead import REQUESTS  # noqa: E402 - the same four turns the sim benchmark times
from benchmarks.vllm_env import run_in_vllm_env  # noqa: E402
from components.config import load_config  # noqa: E402
from components.engines import Engine, Finished, TextDelta, Usage  # noqa: E402
from components.models import checkpoint_dir  # noqa: E402
from components.pipeline import AssistRequest, build_pipeline  # noqa: E402
from components.stack.local import free_port, sample_apis  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAX_TOKENS = 48


class _Recorder(Engine):
    """A generator that keeps the prompts the pipeline builds and answers one word."""
    name, model = "recorder", "recorder"

    def __init__(self) -> None:
        self.prompts: list[str] = []

    async def generate(self, request):
        if request.task == "answer":
            self.prompts.append(request.prompt)
        yield TextDelta("ok")
        yield Finished(Usage(1, 1), 1.0, 1.0)


def _config(home: str):
    models = str(ROOT / ".switchboard-cpu-llm" / "models")
    return load_config(environ={"SWITCHBOARD_PROFILE": "cpu-llm", "SWITCHBOARD_HOME": home,
                                "SWITCHBOARD_SERVE__PORT": str(free_port()),
                                "SWITCHBOARD_ENGINES__PLANNER__KIND": "extractive",
                                "SWITCHBOARD_ENGINES__GENERATOR__VLLM__MODELS_DIR": models,
                                "SWITCHBOARD_PIPELINE__MAX_ANSWER_TOKENS": str(MAX_TOKENS)})


def _waves(rounds: int, streams: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(wave, streams, request index) for every stream: `rounds` waves at each concurrency, after a first wave
    (streams 0: not counted) that asks each prompt once. vLLM caches prompt prefixes, so without it the first
    streams of a shape prefill in full and later ones do not: every shape is measured with the cache warm."""
    rows, wave = [(0, 0, index) for index in range(len(REQUESTS))], 1
    for count in streams:
        for _ in range(rounds):
            rows += [(wave, count, (wave + i) % len(REQUESTS)) for i in range(count)]
            wave += 1
    return rows


def _summary(ttfts: list[float], gaps: list[float]) -> dict:
    ordered = sorted(ttfts)
    return {"ttft": statistics.median(ttfts), "ttft_p90": ordered[int(0.9 * (len(ordered) - 1))],
            "tbt": statistics.median(gaps) if gaps else float("nan"), "n": len(ttfts)}


def _by_streams(plan, results: dict[int, list[float]]) -> dict[int, dict]:
    """Per concurrency: TTFT and between-token gaps from each stream's delta times (ms from its start), by the
    stream's place in `plan`."""
    out = {}
    for count in sorted({c for _, c, _ in plan} - {0}):
        ttfts, gaps = [], []
        for n, times in results.items():
            if plan[n][1] == count and times:
                ttfts.append(times[0])
                gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
        out[count] = _summary(ttfts, gaps)
    return out


def alone(config, prompts: list[str], plan) -> dict[int, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        inputs.write_text("".join(json.dumps({
            "request_id": f"r{n}", "task": "answer", "prompt": prompts[index], "wave": wave, "max_tokens": MAX_TOKENS,
            "temperature": 0.0, "top_p": 1.0, "grounding": {"agent": "general_knowledge", "query": ""}}) + "\n"
            for n, (wave, _, index) in enumerate(plan)), encoding="utf-8")
        run_in_vllm_env(config, "vllm_batch.py", "--config", config.engines.generator.vllm.model_dump_json(),
                        str(inputs), str(outputs), quiet=True)
        rows = [json.loads(line) for line in outputs.read_text(encoding="utf-8").splitlines()]
    results = {int(r["request_id"][1:]): [t for t, _ in r["deltas"]] for r in rows}
    return _by_streams(plan, results)


async def _turn(http: httpx.AsyncClient, url: str, body: dict) -> tuple[list[float], float | None]:
    started, times, engine_ttft = time.perf_counter(), [], None
    async with http.stream("POST", f"{url}/v1/assist", json=body) as response:
        event = None
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "delta":
                times.append((time.perf_counter() - started) * 1000)
            elif line.startswith("data: ") and event == "done":
                engine_ttft = json.loads(line[6:])["timings"]["stages"].get("engine_ttft_ms")
    return times, engine_ttft


def graph(config, plan) -> tuple[dict[int, dict], float]:
    from ray import serve

    from serve.app import run_local

    url = run_local(config, block=False)
    try:
        async def run() -> tuple[dict, list[float]]:
            results, engine = {}, []
            async with httpx.AsyncClient(timeout=600) as http:
                for wave in sorted({w for w, _, _ in plan}):
                    members = [(n, index) for n, (w, _, index) in enumerate(plan) if w == wave]
                    answers = await asyncio.gather(*(_turn(http, url, REQUESTS[index]) for _, index in members))
                    for (n, _), (times, engine_ttft) in zip(members, answers, strict=True):
                        results[n] = times
                        if wave:
                            engine.append(engine_ttft or float("nan"))
            return results, engine

        results, engine = asyncio.run(run())
    finally:
        serve.shutdown()
        import ray

        ray.shutdown()
    return _by_streams(plan, results), statistics.median(engine)


def ray_serve_llm(config, prompts: list[str], plan) -> dict[int, dict] | str:
    checkpoint = checkpoint_dir(config.engines.generator.vllm.models_dir, config.engines.generator.vllm.model,
                                config.engines.generator.vllm.revision)
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        inputs.write_text("".join(json.dumps({"request_id": f"r{n}", "prompt": prompts[index], "wave": wave,
                                              "max_tokens": MAX_TOKENS}) + "\n"
                                  for n, (wave, _, index) in enumerate(plan)), encoding="utf-8")
        run_in_vllm_env(config, "serve_llm_app.py", "--checkpoint", str(checkpoint), str(inputs), str(outputs),
                        timeout_s=900, quiet=True)
        rows = [json.loads(line) for line in outputs.read_text(encoding="utf-8").splitlines()]
    if rows and "failed" in rows[0]:
        return rows[0]["failed"]
    return _by_streams(plan, {int(r["request_id"][1:]): r["delta_ms"] for r in rows})


def main() -> None:
    parser = argparse.ArgumentParser(description="The Serve graph's cost on a real engine")
    parser.add_argument("--rounds", type=int, default=4, help="waves at each concurrency")
    args = parser.parse_args()
    plan = _waves(args.rounds, (1, 8))
    with tempfile.TemporaryDirectory() as home:
        config = _config(home)
        with sample_apis(config):
            recorder = _Recorder()
            pipeline = build_pipeline(config, generator=recorder)

            async def capture() -> None:
                for body in REQUESTS:
                    [event async for event in pipeline.run(AssistRequest(**body))]

            asyncio.run(capture())
            prompts = recorder.prompts
            console = Console(width=150)
            console.print(f"prompts: {[len(p) for p in prompts]} characters; {len(plan)} streams per shape")
            shapes = {"AsyncLLM alone": alone(config, prompts, plan)}
            shapes["Serve graph (/v1/assist)"], engine_ttft = graph(config, plan)
            shapes["Ray Serve LLM app"] = ray_serve_llm(config, prompts, plan)
    table = Table(title=f"{config.engines.generator.vllm.model}, {MAX_TOKENS} answer tokens, vLLM CPU build")
    for column in ("shape", "streams", "TTFT median ms", "TTFT p90 ms", "TBT median ms", "adds to TTFT ms"):
        table.add_column(column, justify="left" if column == "shape" else "right")
    base = shapes["AsyncLLM alone"]
    for name, result in shapes.items():
        if isinstance(result, str):
            table.add_row(name, "-", "did not run: " + result[:80], "", "", "")
            continue
        for count, row in result.items():
            table.add_row(name, str(count), f"{row['ttft']:.0f}", f"{row['ttft_p90']:.0f}", f"{row['tbt']:.1f}",
                          f"{row['ttft'] - base[count]['ttft']:+.0f}")
    console.print(table)
    console.print(f"the graph's own engine TTFT (done.timings), median over every stream: {engine_ttft:.0f} ms")


if __name__ == "__main__":
    main()
