"""The engine served directly over HTTP, as `vllm serve` serves a model: its own process, its own server.

The baseline ray-project/ray issue 59681 measures Ray Serve's LLM app against (bare vLLM over HTTP,
48 ms apart at 1 stream). benchmarks/serve_overhead.py times it beside the graph, with the same client,
so what the graph adds can be read like for like with that number, as well as against the engine
called in-process (the stricter baseline, which charges HTTP to the graph too).

POST /v1/assist streams the configured generator's text as SSE `delta` events, then `done`.

    .venv/bin/python -m benchmarks.engine_server --port 8797
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from components.stack.supervisor import healthy

ROOT = Path(__file__).resolve().parents[1]

__all__ = ["engine_over_http"]


@contextlib.contextmanager
def engine_over_http(port: int, environ: dict[str, str]) -> Iterator[str]:
    """Runs the server in a child process with `environ` (SWITCHBOARD_* engine settings); yields its URL."""
    child = subprocess.Popen([sys.executable, "-m", "benchmarks.engine_server", "--port", str(port)], cwd=ROOT,
                             env={**os.environ, **environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not healthy(f"{url}/healthz"):
            if child.poll() is not None:
                raise RuntimeError(f"the engine server exited: {child.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the engine server did not answer at {url}")
            time.sleep(0.2)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=10)


def build_app():
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    from components.config import load_config
    from components.engines import GenerationRequest, Grounding, TextDelta, create_engine

    engine = create_engine(load_config().engines.generator)
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    @app.post("/v1/assist")
    async def assist(body: dict) -> StreamingResponse:
        query = str(body.get("query", ""))
        request = GenerationRequest(uuid.uuid4().hex, "answer", query, Grounding("general_knowledge", query))

        async def events():
            async for event in engine.generate(request):
                if isinstance(event, TextDelta):
                    yield f"event: delta\ndata: {json.dumps({'text': event.text})}\n\n"
            yield "event: done\ndata: {}\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8797)
    args = parser.parse_args()
    uvicorn.run(build_app(), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
