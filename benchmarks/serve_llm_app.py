"""Ray Serve LLM's own app (`ray.serve.llm.build_openai_app`) on the installed checkpoint, timed like the rest.

Runs in vLLM's environment (Ray Serve LLM imports vLLM), on a Ray node of its own; ray-project/ray issue
59681 measured this app about 48 ms behind bare vLLM at 1 stream. It streams /v1/chat/completions for the
prompts in a JSON-lines file, wave by wave (the rows' `wave`, as benchmarks/vllm_batch.py), and writes each
stream's first-token and between-token times; if the app does not start on this build it writes why.

    .venv-vllm/bin/python benchmarks/serve_llm_app.py --checkpoint <dir> prompts.jsonl results.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import traceback
from pathlib import Path

import httpx

from benchmarks.vllm_env import by_wave

PORT = 8791


async def _stream(http: httpx.AsyncClient, row: dict) -> dict:
    body = {"model": "switchboard-llm", "stream": True, "max_tokens": row["max_tokens"], "temperature": 0.0,
            "messages": [{"role": "user", "content": row["prompt"]}]}
    started, times = time.perf_counter(), []
    async with http.stream("POST", f"http://127.0.0.1:{PORT}/v1/chat/completions", json=body) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                delta = json.loads(line[6:])["choices"][0].get("delta", {}).get("content")
                if delta:
                    times.append(round((time.perf_counter() - started) * 1000, 1))
    return {"request_id": row["request_id"], "wave": row.get("wave", 0), "delta_ms": times}


async def _run(rows: list[dict], out: Path) -> None:
    async with httpx.AsyncClient(timeout=600) as http:
        with out.open("w", encoding="utf-8") as results:
            for wave in by_wave(rows):
                for result in await asyncio.gather(*(_stream(http, r) for r in wave)):
                    results.write(json.dumps(result) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--max-num-seqs", type=int, default=16)
    parser.add_argument("prompts", type=Path)
    parser.add_argument("results", type=Path)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.prompts.read_text(encoding="utf-8").splitlines() if line.strip()]
    try:
        import ray
        from ray import serve
        from ray.serve.llm import LLMConfig, build_openai_app

        # logical CPUs: the app asks for its ingress, its server and the engine's bundle, more than two cores
        ray.init(include_dashboard=False, num_cpus=8, configure_logging=False, log_to_driver=False)
        serve.start(http_options={"host": "127.0.0.1", "port": PORT})
        config = LLMConfig(
            model_loading_config={"model_id": "switchboard-llm", "model_source": args.checkpoint},
            engine_kwargs={"dtype": "float32", "max_model_len": 4096, "enforce_eager": True,
                           "max_num_seqs": args.max_num_seqs},
            deployment_config={"num_replicas": 1, "ray_actor_options": {"num_cpus": 1}},
            placement_group_config={"bundles": [{"CPU": 1}]})
        serve.run(build_openai_app({"llm_configs": [config]}), name="llm", route_prefix="/", blocking=False)
        deadline = time.monotonic() + 300
        while True:  # the app answers once its engine has loaded
            try:
                if httpx.get(f"http://127.0.0.1:{PORT}/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the app did not answer /v1/models within 300 s")
            time.sleep(2)
        asyncio.run(_run(rows, args.results))
    except Exception as exc:  # noqa: BLE001 - the comparison prints why the app does not run on this build
        args.results.write_text(json.dumps({"failed": f"{type(exc).__name__}: {exc}",
                                            "trace": traceback.format_exc()[-2000:]}) + "\n", encoding="utf-8")
    finally:
        try:
            serve.shutdown()
            ray.shutdown()
        except Exception:  # noqa: BLE001, S110 - nothing to stop when Ray never started
            pass


if __name__ == "__main__":
    main()
