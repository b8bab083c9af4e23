"""A store per test on the session's real MLflow server (tests/conftest.py: mlflow_server)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from components.versions import VersionStore


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
