"""One local Ray cluster for the Serve tests: the real applications on a loopback port."""

from __future__ import annotations

import os

import pytest

from components.config import load_config
from tests.conftest import free_port


@pytest.fixture(scope="session")
def serve_app(tmp_path_factory, internal_api):
    """Base URL of the Switchboard Serve application (sim generator, fast), skills on the sample APIs."""
    from ray import serve

    from serve.app import run_local

    home = tmp_path_factory.mktemp("serve_home")
    environ = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_SERVE__PORT": str(free_port()),
               "SWITCHBOARD_APIS__BASE_URL": internal_api, "SWITCHBOARD_ENGINES__GENERATOR__KIND": "sim",
               "SWITCHBOARD_ENGINES__GENERATOR__SIM__TTFT_MS": "20", "SWITCHBOARD_ENGINES__GENERATOR__SIM__TBT_MS": "2"}
    config = load_config(environ={k: v for k, v in environ.items() if k.startswith("SWITCHBOARD_")})
    url = run_local(config, block=False)
    yield url, config
    serve.shutdown()
    import ray

    ray.shutdown()
