"""Shared fixtures: the real sample internal APIs served by uvicorn on a loopback port."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from hypothesis import settings

from components.network import ArticleIndex, NetworkStore
from components.network.api import build_api

# HYPOTHESIS_PROFILE=deep make test runs the property tests twenty times harder.
settings.register_profile("default", max_examples=150)
settings.register_profile("deep", max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackServer:
    """Runs an ASGI app with uvicorn in a thread, on 127.0.0.1 and a free port."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("loopback server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(scope="session")
def network() -> NetworkStore:
    return NetworkStore.load()


@pytest.fixture(scope="session")
def switchboard_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("switchboard_home")


@pytest.fixture(scope="session")
def internal_api(network: NetworkStore, switchboard_home: Path) -> Iterator[str]:
    """Base URL of the real sample internal APIs."""
    with LoopbackServer(build_api(network, ArticleIndex(network, switchboard_home))) as server:
        yield server.url


@pytest.fixture
def api(internal_api: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=internal_api, timeout=10) as client:
        yield client
