"""In-process helpers for commands that need the sample APIs without `make up`."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from components.config import SwitchboardConfig
from components.network import ArticleIndex, NetworkStore
from components.network.api import build_api
from components.stack.ports import free_port
from components.stack.supervisor import healthy

__all__ = ["ThreadedServer", "free_port", "sample_apis"]


class ThreadedServer:
    """An ASGI app served by uvicorn in a thread on 127.0.0.1 and a free port, for the block's duration.

        with ThreadedServer(app) as server:
            httpx.get(f"{server.url}/healthz")
    """

    def __init__(self, app, start_timeout_s: float = 30.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._start_timeout_s = start_timeout_s
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout_s
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@contextlib.contextmanager
def sample_apis(config: SwitchboardConfig) -> Iterator[str]:
    """The sample APIs' URL: the configured one if it answers, else a server started here for the block.

    When it starts one, `config.apis.base_url` points at it for the block's duration.
    """
    if healthy(f"{config.apis.url}/healthz"):
        yield config.apis.url
        return

    store = NetworkStore.load(config.apis.data_dir)
    with ThreadedServer(build_api(store, ArticleIndex(store, Path(config.home)))) as server:
        previous, config.apis.base_url = config.apis.base_url, server.url
        try:
            yield server.url
        finally:
            config.apis.base_url = previous
