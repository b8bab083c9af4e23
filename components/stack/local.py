"""In-process helpers for commands that need the sample APIs without `make up`."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

from components.config import SwitchboardConfig

__all__ = ["sample_apis"]


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def sample_apis(config: SwitchboardConfig) -> Iterator[str]:
    """The sample APIs' URL: the configured one if it answers, else a server started here for the block.

    When it starts one, `config.apis.base_url` points at it for the block's duration.
    """
    if _answers(config.apis.url):
        yield config.apis.url
        return
    from components.network import ArticleIndex, NetworkStore
    from components.network.api import build_api

    store = NetworkStore.load(config.apis.data_dir)
    app = build_api(store, ArticleIndex(store, Path(config.home)))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the in-process sample APIs did not start")
        time.sleep(0.02)
    previous, config.apis.base_url = config.apis.base_url, f"http://127.0.0.1:{port}"
    try:
        yield config.apis.base_url
    finally:
        config.apis.base_url = previous
        server.should_exit = True
        thread.join(timeout=10)
