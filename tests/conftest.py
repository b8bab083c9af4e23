"""Shared fixtures: the real sample internal APIs served by uvicorn on a loopback port."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

from components.config import load_config
from components.network import ArticleIndex, NetworkStore
from components.network.api import build_api
from components.stack import mlflow_command
from components.stack.local import ThreadedServer, free_port  # noqa: F401 - tests import free_port from here

# The suite's profile is derandomized: the same examples every run, so CI cannot fail on a lucky draw, and
# no example database (what it would replay lives in the tests as @example). HYPOTHESIS_PROFILE=deep
# explores: random draws, twenty times as many; every failure it finds becomes an @example beside its test.
settings.register_profile("default", max_examples=150, derandomize=True, database=None, print_blob=True)
settings.register_profile("deep", max_examples=3000, derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


LoopbackServer = ThreadedServer  # the real server on loopback, as `make up` and `switchboard ask` run it


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


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real MLflow server on loopback (SQLite store, proxied artifacts), as `make up` runs it."""
    home = tmp_path_factory.mktemp("mlflow_home")
    port = free_port()
    config = load_config(environ={"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_MLFLOW__PORT": str(port)})
    log = (home / "mlflow.log").open("wb")
    process = subprocess.Popen(mlflow_command(config), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})
    url = config.mlflow.local_url
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"MLflow server did not start:\n{(home / 'mlflow.log').read_text()[-3000:]}")
        time.sleep(0.3)
    yield url
    os.killpg(process.pid, 15)
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def population(tmp_path_factory, internal_api, network):
    """1,200 production-like turns (query, response, agent, context_type) from the real pipeline."""
    import asyncio

    from components.conversation_log import ConversationLog
    from components.evaluation.traffic import simulate
    from components.pipeline import build_pipeline

    home = tmp_path_factory.mktemp("population")
    config = load_config(environ={"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_APIS__BASE_URL": internal_api})
    asyncio.run(simulate(build_pipeline(config), network, 1200, seed=21))
    # in the order the turns were made: file names carry random turn ids, and samples drawn from an
    # order that changes between runs would make the known-truth tests differ from run to run
    return (ConversationLog(home / "logs").read().sort("timestamp").rename({"answer": "response"})
            .select("query", "response", "agent", "context_type"))


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """A real Prefect API (ephemeral, for the session) that flows called as functions report to."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect_home"))
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()  # for subprocesses, which would each start a temporary server of their own
