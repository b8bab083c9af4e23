"""A real MLflow server on loopback (SQLite store, proxied artifacts), started once per session."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from components.config import load_config
from components.stack import mlflow_command
from components.versions import VersionStore
from tests.conftest import free_port


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
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


@pytest.fixture
def store(mlflow_server: str) -> VersionStore:
    """A store with a prefix of its own: each test sees a fresh set of registered names."""
    return VersionStore(mlflow_server, prefix=f"t{uuid.uuid4().hex[:10]}", timeout_s=10)


@pytest.fixture
def broken_router(tmp_path: Path) -> Path:
    """A router 'artifact' that is not a pickle, with a valid report beside it."""
    from components.routing.model import DEFAULT_ARTIFACT

    artifact = tmp_path / "router.joblib"
    artifact.write_bytes(b"not a pickle")
    artifact.with_suffix(".json").write_text(DEFAULT_ARTIFACT.with_suffix(".json").read_text())
    return artifact
