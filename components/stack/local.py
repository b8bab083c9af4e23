"""In-process helpers for commands that need the sample APIs without `make up`."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from components.config import SwitchboardConfig
from components.stack.supervisor import healthy

__all__ = ["ThreadedServer", "free_port", "sample_apis"]


# Ray hands its workers ports 10002-19999 (min_worker_port, max_worker_port); above them, below the
# kernel's ephemeral range, no process is given a port it did not ask for by number.
_ABOVE_RAY_WORKERS = 20_000


def _ephemeral_low(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def free_port() -> int:
    """A port nothing listens on now, and that nothing will be handed meanwhile.

    The kernel's own choice (binding port 0) comes from its ephemeral range, which every outgoing
    connection and every server bound to port 0 draws from: HAProxy binds its stats port half a minute
    after Ray starts, and one of Ray's workers had taken the port by then (`make up` failed). So this
    picks at random between Ray's worker ports and the ephemeral range, checked free on every interface.
    """
    high = _ephemeral_low() - 1
    for _ in range(200 if high > _ABOVE_RAY_WORKERS else 0):
        port = random.randint(_ABOVE_RAY_WORKERS, high)
        with socket.socket() as sock:
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # a machine whose ephemeral range leaves no room: the kernel's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    from components.network import ArticleIndex, NetworkStore
    from components.network.api import build_api

    store = NetworkStore.load(config.apis.data_dir)
    with ThreadedServer(build_api(store, ArticleIndex(store, Path(config.home)))) as server:
        previous, config.apis.base_url = config.apis.base_url, server.url
        try:
            yield server.url
        finally:
            config.apis.base_url = previous
