"""One local Ray cluster for the Serve tests: the real applications on a loopback port.

Serving follows the `champion` alias in the session's real MLflow server, as under `make up`; the
generator pin registered there is the `sim` engine, so the load and failure tests have an LLM's
latency shape.
"""

from __future__ import annotations

import os
import shutil

import pytest
import yaml

from components.config import load_config
from components.versions import MODELS_DIR, VersionStore, sync_all
from tests.conftest import free_port

PREFIX = "servetest"


@pytest.fixture(scope="session")
def serve_app(tmp_path_factory, internal_api, mlflow_server):
    """Base URL of the Switchboard Serve application (sim generator, fast), skills on the sample APIs."""
    from ray import serve

    from serve.app import run_local

    home = tmp_path_factory.mktemp("serve_home")
    models = tmp_path_factory.mktemp("serve_models")
    for path in MODELS_DIR.glob("*.yaml"):
        shutil.copy(path, models / path.name)
    pin = yaml.safe_load((models / "generator.yaml").read_text())
    (models / "generator.yaml").write_text(yaml.safe_dump({**pin, "engine": "sim", "model": "sim-v1"}))
    sync_all(VersionStore(mlflow_server, PREFIX), models_dir=models)
    environ = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_SERVE__PORT": str(free_port()),
               "SWITCHBOARD_APIS__BASE_URL": internal_api, "SWITCHBOARD_ENGINES__GENERATOR__KIND": "sim",
               "SWITCHBOARD_ENGINES__GENERATOR__SIM__TTFT_MS": "20", "SWITCHBOARD_ENGINES__GENERATOR__SIM__TBT_MS": "2",
               "SWITCHBOARD_MLFLOW__TRACKING_URI": mlflow_server, "SWITCHBOARD_MLFLOW__PREFIX": PREFIX,
               "SWITCHBOARD_MLFLOW__POLL_INTERVAL_S": "1"}
    config = load_config(environ={k: v for k, v in environ.items() if k.startswith("SWITCHBOARD_")})
    url = run_local(config, block=False)
    yield url, config
    serve.shutdown()
    import ray

    ray.shutdown()
