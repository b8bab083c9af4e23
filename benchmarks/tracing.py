"""What a turn's trace costs the member: the pipeline's time to first token and total with tracing off, at
10% and at 100%, against a real MLflow server on loopback, in one run.

Turns run one at a time through the in-process pipeline (extractive engines, the sample APIs), so the
numbers are the pipeline's own; the exporter's thread builds and sends each trace while the next turns
run, sharing the process (and Python's lock) with them, which is the cost to see. The Serve graph's
figures (`benchmarks/serve_overhead.py`, 1 and 32 streams) are issue 31's next step.

    .venv/bin/python benchmarks/tracing.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TURNS = 150
QUESTIONS = [("Am I a good fit for this job?", {"type": "job", "id": "j00002"}),
             ("Tell me about this company", {"type": "company", "id": "c0017"}),
             ("What skills should I learn next?", {"type": "none"})]


def _mlflow(home: Path) -> tuple[subprocess.Popen, str]:
    from components.config import load_config
    from components.stack.local import free_port
    from components.stack.supervisor import mlflow_command

    config = load_config(environ={"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_MLFLOW__PORT": str(free_port())})
    environ = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    process = subprocess.Popen(mlflow_command(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env=environ)
    url = config.mlflow.local_url
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError("MLflow did not start")


async def _turns(pipeline) -> tuple[list[float], list[float]]:
    from components.pipeline import AssistRequest

    ttft, total = [], []
    for n in range(TURNS):
        query, context = QUESTIONS[n % len(QUESTIONS)]
        events = [e async for e in pipeline.run(AssistRequest(query=query, context=context, member_id="m00001",
                                                               conversation_id=f"bench-{n}"))]
        timings = events[-1].payload()["timings"]
        ttft.append(timings["ttft_ms"])
        total.append(timings["total_ms"])
    return ttft, total


def main() -> None:
    from components.config import load_config
    from components.conversation_log import ConversationLog
    from components.pipeline import build_pipeline
    from components.stack.local import sample_apis

    console = Console(width=120)
    home = Path(tempfile.mkdtemp(prefix="switchboard-tracing-bench-"))
    server, url = _mlflow(home / "mlflow")
    table = Table(title=f"Tracing's cost per turn ({TURNS} turns each, one at a time; MLflow on loopback; 2 cores)")
    for column in ("tracing", "TTFT median ms", "TTFT p95 ms", "total median ms", "added median ms",
                   "exported", "dropped"):
        table.add_column(column, justify="right")
    try:
        with sample_apis(base := load_config(environ={"SWITCHBOARD_HOME": str(home)})):
            baseline = None
            for label, ratio in (("off", None), ("10%", 0.1), ("100%", 1.0)):
                environ = {"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_APIS__BASE_URL": base.apis.url}
                if ratio is not None:
                    environ |= {"SWITCHBOARD_MLFLOW__TRACKING_URI": url, "SWITCHBOARD_TRACING__ENABLED": "true",
                                "SWITCHBOARD_TRACING__SAMPLE_RATIO": str(ratio)}
                pipeline = build_pipeline(load_config(environ=environ), log=ConversationLog(home / "logs" / label))
                asyncio.run(_turns(pipeline))  # warm: caches, the model, MLflow's first experiment lookup
                ttft, total = asyncio.run(_turns(pipeline))
                tracer = pipeline.records.tracer
                counts = tracer.counts() if tracer else {"exported": "-", "dropped": "-"}
                if tracer:
                    tracer.flush(120)
                    counts = tracer.counts()
                median_ttft = statistics.median(ttft)
                baseline = median_ttft if baseline is None else baseline
                table.add_row(label, f"{median_ttft:.2f}", f"{statistics.quantiles(ttft, n=20)[-1]:.2f}",
                              f"{statistics.median(total):.2f}", f"{median_ttft - baseline:+.2f}",
                              str(counts["exported"]), str(counts["dropped"]))
    finally:
        os.killpg(server.pid, 15)
    console.print(table)
    console.print("Goal (issue 31): under 1 ms added to the median at 100%.")


if __name__ == "__main__":
    main()
