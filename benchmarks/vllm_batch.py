"""Runs generation requests through the project's `vllm` engine, all at once (or in waves), in vLLM's environment.

The measuring scripts (benchmarks/planner_plans.py) live in the main environment, which has no vLLM; they
write requests as JSON lines and run this file with the generator deployment's Python, so the text measured
is what the production engine (components/engines/vllm_engine.py, AsyncLLM in-process) streams. Each output
line keeps the deltas as they arrived: a stream replayed chunk by chunk is what the streaming parser reads.

    .venv-vllm/bin/python benchmarks/vllm_batch.py --config '<VLLMConfig JSON>' requests.jsonl outputs.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.vllm_env import by_wave  # noqa: E402
from components.engines.base import Finished, GenerationRequest, Grounding, TextDelta  # noqa: E402
from components.engines.config import VLLMConfig  # noqa: E402
from components.engines.vllm_engine import VLLMEngine  # noqa: E402


async def _one(engine: VLLMEngine, row: dict) -> dict:
    request = GenerationRequest(row["request_id"], row["task"], row["prompt"], Grounding(**row["grounding"]),
                                system=row.get("system", ""),
                                max_tokens=row["max_tokens"], temperature=row["temperature"], top_p=row["top_p"],
                                json_schema=row.get("json_schema"))
    deltas, started, usage = [], time.perf_counter(), None
    async for event in engine.generate(request):
        if isinstance(event, TextDelta):
            deltas.append([round((time.perf_counter() - started) * 1000, 1), event.text])
        elif isinstance(event, Finished):
            usage = {"prompt_tokens": event.usage.prompt_tokens, "completion_tokens": event.usage.completion_tokens,
                     "ttft_ms": event.ttft_ms, "total_ms": event.total_ms, "finish_reason": event.finish_reason}
    return {"request_id": row["request_id"], "deltas": deltas, **(usage or {})}


async def main(config: VLLMConfig, requests: Path, outputs: Path) -> None:
    rows = [json.loads(line) for line in requests.read_text(encoding="utf-8").splitlines() if line.strip()]
    engine = VLLMEngine(config)
    try:
        done_count = 0
        with outputs.open("w", encoding="utf-8") as out:
            for wave in by_wave(rows):
                for result in asyncio.as_completed([_one(engine, r) for r in wave]):
                    out.write(json.dumps({**await result, "wave": wave[0].get("wave", 0)}, ensure_ascii=False) + "\n")
                    out.flush()
                    done_count += 1
                    print(f"{done_count}/{len(rows)}", file=sys.stderr, flush=True)
    finally:
        await engine.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="the engine's VLLMConfig as JSON")
    parser.add_argument("requests", type=Path)
    parser.add_argument("outputs", type=Path)
    args = parser.parse_args()
    asyncio.run(main(VLLMConfig.model_validate_json(args.config), args.requests, args.outputs))
