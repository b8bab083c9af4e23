"""Real Prefect (an ephemeral API for the session), real MLflow and LanceDB, and a generated day of logs."""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path

import pytest

from components.config import load_config
from components.evaluation.traffic import backdate, simulate
from components.pipeline import build_pipeline

DAY = date(2026, 11, 19)


@pytest.fixture(scope="session")
def logged_day(tmp_path_factory, internal_api, network) -> Path:
    """A home whose log holds 90 turns (follow-ups and feedback included) dated DAY; copied per test."""
    home = tmp_path_factory.mktemp("flows_day")
    config = load_config(environ={"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_APIS__BASE_URL": internal_api})
    report = asyncio.run(simulate(build_pipeline(config), network, 90, seed=11))
    assert not report.errors and report.feedback > 10
    assert backdate(home / "logs", DAY) == 90
    return home


@pytest.fixture(scope="session")
def synced_registry(mlflow_server) -> str:
    """The session's MLflow server with the repo's prompts and pins registered under the default prefix,
    as `make up` leaves it; flows that resolve `champion` need it, whatever ran before them."""
    from components.versions import VersionStore, sync_all

    sync_all(VersionStore(mlflow_server))
    return mlflow_server


@pytest.fixture
def flow_home(logged_day, tmp_path, monkeypatch, synced_registry, internal_api) -> Path:
    home = tmp_path / "home"
    shutil.copytree(logged_day / "logs", home / "logs")
    for key, value in {"SWITCHBOARD_HOME": str(home), "SWITCHBOARD_MLFLOW__TRACKING_URI": synced_registry,
                       "SWITCHBOARD_APIS__BASE_URL": internal_api}.items():
        monkeypatch.setenv(key, value)
    return home


async def artifacts_keyed(key: str) -> list:
    """The Prefect artifacts published under `key`, on the session's API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
