"""`switchboard up` / `down` as a person runs them: real processes, real ports."""

import os
import subprocess
import sys

import httpx
import pytest
import yaml

from flows.deployments import PREFECT_YAML
from tests.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _cli(*args, env):
    return subprocess.run([sys.executable, "-m", "components.cli", *args], env=env, capture_output=True,
                          text=True, timeout=400)


@pytest.fixture
def stack_env(tmp_path):
    """The environment of a `make up` on free ports; whatever the test leaves running is stopped after it,
    also when it fails or times out half-way (a stack left behind slowed every later test)."""
    env = {**os.environ, "SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_APIS__PORT": str(free_port()),
           "SWITCHBOARD_SERVE__PORT": str(free_port()), "SWITCHBOARD_MLFLOW__PORT": str(free_port()),
           "SWITCHBOARD_PREFECT__PORT": str(free_port()), "SWITCHBOARD_PREFECT__RUNNER_PORT": str(free_port()),
           "COLUMNS": "200"}
    yield env
    _cli("down", env=env)


# Two full `up`s and `down`s: about 100 s in all on a 2-core machine, but they took 350-400 s in a slow
# hour before start-up was made faster, more than the suite-wide 300 s.
@pytest.mark.timeout(900)
def test_up_starts_everything_prints_urls_and_down_stops_it(stack_env, tmp_path):
    env = stack_env
    apis_port, serve_port, mlflow_port, prefect_port = (int(env[f"SWITCHBOARD_{name}__PORT"])
                                                        for name in ("APIS", "SERVE", "MLFLOW", "PREFECT"))
    up = _cli("up", env=env)
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"http://127.0.0.1:{apis_port}" in up.stdout and f"http://127.0.0.1:{serve_port}/" in up.stdout
    assert f"http://127.0.0.1:{mlflow_port}" in up.stdout and f"http://127.0.0.1:{prefect_port}" in up.stdout
    try:
        assert httpx.get(f"http://127.0.0.1:{apis_port}/healthz", timeout=5).json()["status"] == "ok"
        health = httpx.get(f"http://127.0.0.1:{serve_port}/healthz", timeout=5).json()
        assert health["status"] == "ok" and health["versions"]["alias"] == "champion"  # serving follows MLflow
        assert "<html" in httpx.get(f"http://127.0.0.1:{serve_port}/", timeout=5).text.lower()
        deployments = httpx.post(f"http://127.0.0.1:{prefect_port}/api/deployments/filter", json={}, timeout=10).json()
        declared = yaml.safe_load(PREFECT_YAML.read_text())["deployments"]
        assert len(deployments) == len(declared) == 5
        assert all(d["schedules"] for d in deployments)  # every flow on its cron
        assert _cli("up", env=env).returncode == 0  # idempotent: already running is fine
        _a_flow_run_by_hand_reports_to_the_stack(env, mlflow_port, prefect_port)
    finally:
        down = _cli("down", env=env)
    assert down.returncode == 0 and all(name in down.stdout for name in ("apis", "serve", "mlflow", "prefect", "flows"))
    _all_closed(apis_port, serve_port, mlflow_port, prefect_port)  # HAProxy in front of Serve included
    assert not list((tmp_path / "run").glob("*.pid"))
    # The next day: Prefect's database and MLflow's store are still in the home, and `up` starts again.
    again = _cli("up", env=env)
    try:
        assert again.returncode == 0, again.stdout + again.stderr
        assert httpx.get(f"http://127.0.0.1:{serve_port}/healthz", timeout=5).json()["status"] == "ok"
    finally:
        assert _cli("down", env=env).returncode == 0
    _all_closed(apis_port, serve_port, mlflow_port, prefect_port)


def _a_flow_run_by_hand_reports_to_the_stack(env: dict, mlflow_port: int, prefect_port: int) -> None:
    """`python -m flows.<name>` beside the stack lands in its Prefect and MLflow, not in a temporary server."""
    from mlflow import MlflowClient

    by_hand = {k: v for k, v in env.items() if k not in ("PREFECT_API_URL", "SWITCHBOARD_MLFLOW__TRACKING_URI")}
    done = subprocess.run([sys.executable, "-m", "flows.build_examples", "--days", "1"], env=by_hand,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "reporting to the running stack" in done.stderr and "Starting temporary server" not in done.stderr
    runs = httpx.post(f"http://127.0.0.1:{prefect_port}/api/flow_runs/filter",
                      json={"flows": {"name": {"any_": ["build_examples"]}},
                            "flow_runs": {"deployment_id": {"is_null_": True}}},  # not the schedule's runs
                      timeout=10).json()
    assert [run["state_type"] for run in runs] == ["COMPLETED"]
    mlflow = MlflowClient(f"http://127.0.0.1:{mlflow_port}")
    experiment = mlflow.get_experiment_by_name("switchboard-build-examples")
    assert experiment is not None and len(mlflow.search_runs([experiment.experiment_id])) == 1


def _all_closed(*ports: int) -> None:
    for port in ports:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_up_refuses_a_port_someone_else_answers_on(tmp_path, internal_api):
    port = internal_api.rsplit(":", 1)[1]
    env = {**os.environ, "SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_APIS__PORT": port,
           "SWITCHBOARD_SERVE__PORT": str(free_port()), "SWITCHBOARD_MLFLOW__PORT": str(free_port()),
           "SWITCHBOARD_PREFECT__PORT": str(free_port()), "COLUMNS": "200"}
    up = _cli("up", env=env)
    assert up.returncode == 1 and "something else already answers" in up.stdout
    assert not list((tmp_path / "run").glob("*.pid"))  # refused before anything started


def test_bad_config_fails_before_starting_anything(tmp_path):
    env = {**os.environ, "SWITCHBOARD_HOME": str(tmp_path), "SWITCHBOARD_APIS__PORT": "nope"}
    up = _cli("up", env=env)
    assert up.returncode == 2 and "apis.port" in up.stdout
    assert not (tmp_path / "run" / "apis.pid").exists()
