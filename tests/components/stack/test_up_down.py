"""`switchboard up` / `down` as a person runs them: real processes, real ports."""

import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "components.cli", *args], env=env, capture_output=True,
                          text=True, timeout=180)


def test_up_starts_the_apis_prints_urls_and_down_stops_them(tmp_path):
    port = free_port()
    env = {**os.environ, "SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_APIS__PORT": str(port),
           "COLUMNS": "200"}
    up = _cli("up", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"http://127.0.0.1:{port}" in up.stdout
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"
        assert _cli("up", env=env).returncode == 0  # idempotent: already running is fine
    finally:
        down = _cli("down", env=env)
    assert down.returncode == 0 and "apis" in down.stdout
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    assert not (tmp_path / "run" / "apis.pid").exists()


def test_up_refuses_a_port_someone_else_answers_on(tmp_path, internal_api):
    port = internal_api.rsplit(":", 1)[1]
    env = {**os.environ, "SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_APIS__PORT": port, "COLUMNS": "200"}
    up = _cli("up", env=env)
    assert up.returncode == 1 and "something else already answers" in up.stdout


def test_bad_config_fails_before_starting_anything(tmp_path):
    env = {**os.environ, "SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_APIS__PORT": "nope"}
    up = _cli("up", env=env)
    assert up.returncode == 2 and "apis.port" in up.stdout
    assert not (tmp_path / "run" / "apis.pid").exists()
