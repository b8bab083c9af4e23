"""What the pipeline adds to time-to-first-token, with the sim engine (fixed TTFT and TBT).

For each concurrency (1 and 32 conversations) it runs turns over the five agents against the sample
APIs and prints, with the generator engine's own TTFT measured alone in the same run as baseline:
  - TTFT of a turn and what it adds over the engine alone (planning and skill calls included);
  - the pipeline's own overhead: TTFT minus the planner's stream, the wait for skills after the
    plan, and the generator engine's own TTFT (routing, trust, retrieval, prompts, event plumbing);
  - how much earlier the first skill call fires than the plan completes (progressive planning).
Target (issue 4): under 5 ms overhead median at 1 conversation.

    .venv/bin/python benchmarks/pipeline.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.config import load_config  # noqa: E402
from components.engines import GenerationRequest, Grounding, TextDelta, create_engine  # noqa: E402
from components.pipeline import AssistRequest, build_pipeline  # noqa: E402
from components.stack.local import sample_apis  # noqa: E402

TTFT_MS, TBT_MS = 80, 15
REQUESTS = [
    dict(query="Am I a good fit for this job?", member_id="m00001", context={"type": "job", "id": "j00002"}),
    dict(query="What are the key takeaways from this post?", context={"type": "post", "id": "p00003"}),
    dict(query="Tell me about this company", context={"type": "company", "id": "c0004"}),
    dict(query="What should my next career move be?", member_id="m00005", context={"type": "profile", "id": "m00005"}),
    dict(query="How do I prepare for a behavioural interview?"),
]


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def _engine_alone(config, n: int) -> list[float]:
    engine = create_engine(config.engines.generator)
    ttfts = []
    for i in range(n):
        started = time.perf_counter()
        async for event in engine.generate(GenerationRequest(f"alone-{i}", "answer", "p",
                                                             Grounding("general_knowledge", "q"))):
            if isinstance(event, TextDelta):
                ttfts.append((time.perf_counter() - started) * 1000)
                break
    return ttfts


async def _turns(pipeline, concurrency: int, rounds: int, progress, task) -> list[dict]:
    async def one(i: int) -> dict:
        done = None
        async for event in pipeline.run(AssistRequest(**REQUESTS[i % len(REQUESTS)])):
            done = event.payload() if event.name == "done" else done
        progress.advance(task)
        return done

    results = []
    for r in range(rounds):
        results += await asyncio.gather(*(one(r * concurrency + i) for i in range(concurrency)))
    return results


def main() -> None:
    console = Console(width=150)
    home = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    environ = {**os.environ, "SWITCHBOARD_HOME": str(home)}
    for role in ("PLANNER", "GENERATOR"):
        environ |= {f"SWITCHBOARD_ENGINES__{role}__KIND": "sim",
                    f"SWITCHBOARD_ENGINES__{role}__SIM__TTFT_MS": str(TTFT_MS),
                    f"SWITCHBOARD_ENGINES__{role}__SIM__TBT_MS": str(TBT_MS),
                    f"SWITCHBOARD_ENGINES__{role}__SIM__TBT_GROWTH_PER_STREAM": "0"}
    config = load_config(environ=environ)
    table = Table(title=f"Pipeline TTFT with the sim engine (TTFT {TTFT_MS} ms, TBT {TBT_MS} ms), ms")
    for column in ("conversations", "engine alone", "turn TTFT", "added over engine", "pipeline overhead",
                   "first skill before plan end"):
        table.add_column(column, justify="right")
    with sample_apis(config), Progress(console=console, transient=True) as progress:
        pipeline = build_pipeline(config)
        asyncio.run(_turns(pipeline, 1, 5, progress, progress.add_task("warm-up", total=5)))
        for concurrency, rounds in ((1, 40), (32, 4)):
            alone = asyncio.run(_engine_alone(config, 20))
            task = progress.add_task(f"{concurrency} concurrent", total=concurrency * rounds)
            dones = asyncio.run(_turns(pipeline, concurrency, rounds, progress, task))
            ttft = [d["timings"]["ttft_ms"] for d in dones]
            stages = [d["timings"]["stages"] for d in dones]
            overhead = [d["timings"]["ttft_ms"] - (s["skills_done_ms"] - s["plan_started_ms"]) - s["engine_ttft_ms"]
                        for d, s in zip(dones, stages, strict=True)]
            early = [s["plan_ms"] - s["first_skill_fired_ms"] for s in stages]
            base = statistics.median(alone)
            table.add_row(str(concurrency), f"{base:.1f}",
                          f"{statistics.median(ttft):.1f} / p99 {_p99(ttft):.1f}",
                          f"{statistics.median(ttft) - base:.1f} / p99 {_p99(ttft) - base:.1f}",
                          f"{statistics.median(overhead):.2f} / p99 {_p99(overhead):.2f}",
                          f"{statistics.median(early):.1f}")
    console.print(table)
    console.print("medians / p99. 'added over engine' includes the planner's stream and the skill calls; "
                  "'pipeline overhead' is what remains after both and the generator's own TTFT.")


if __name__ == "__main__":
    main()
