"""The supervisor's ordering and failure rules, with small real HTTP servers as the services."""

import sys
import time
from pathlib import Path

import httpx
import pytest

from components.config import load_config
from components.stack import Service, StackError, running_servers, start, status, stop
from tests.conftest import free_port


def _http_service(name: str, port: int, delay_s: float = 0.0, directory: Path | None = None, **options) -> Service:
    """Python's http.server on `port` (serving `directory`), answering only after `delay_s` (slow to start)."""
    serve = f"import time, runpy, sys; time.sleep({delay_s}); sys.argv = ['http.server', '{port}', '--bind', " \
            f"'127.0.0.1', '--directory', {str(directory or '.')!r}]; " \
            "runpy.run_module('http.server', run_name='__main__')"
    return Service(name=name, command=[sys.executable, "-c", serve], health_url=f"http://127.0.0.1:{port}/",
                   urls={}, start_timeout_s=30, **options)


def _launched_at(config, name: str) -> float:
    return (config.home / "run" / f"{name}.pid").stat().st_mtime


def test_independent_services_start_together_and_a_follower_waits_for_its_leader(tmp_path):
    config = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path)})
    services = [_http_service("leader", free_port(), delay_s=2.0),
                _http_service("follower", free_port(), after=("leader",)),
                _http_service("independent", free_port())]
    try:
        started = time.monotonic()
        start(config, services)
        took = time.monotonic() - started
        assert all(status(config, services).values())
        launched = {s.name: _launched_at(config, s.name) for s in services}
        assert abs(launched["independent"] - launched["leader"]) < 1.0  # neither waited for the other
        assert launched["follower"] - launched["leader"] >= 2.0  # not before the leader answered
        assert took < 2.0 + 15  # the three did not queue behind one another's full start
    finally:
        stopped = stop(config, services)
    assert sorted(stopped) == ["follower", "independent", "leader"]
    assert not any(status(config, services).values())
    for service in services:
        with pytest.raises(httpx.ConnectError):
            httpx.get(service.health_url, timeout=2)


def test_a_failed_service_stops_the_wait_of_those_after_it(tmp_path):
    config = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path)})
    broken = Service(name="broken", command=[sys.executable, "-c", "raise SystemExit('no config')"],
                     health_url=f"http://127.0.0.1:{free_port()}/", urls={}, start_timeout_s=30)
    services = [broken, _http_service("after_broken", free_port(), after=("broken",))]
    try:
        with pytest.raises(StackError, match="broken exited; end of .*broken.log:\n.*no config"):
            start(config, services)
        assert not (tmp_path / "run" / "after_broken.pid").exists()  # never launched
    finally:
        stop(config, services)


def test_a_taken_port_or_an_unknown_leader_is_refused_before_anything_starts(tmp_path):
    config = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path)})
    squatter = _http_service("squatter", free_port())
    try:
        start(config, [squatter])
        fresh = _http_service("fresh", free_port())
        taken = Service(name="taken", command=squatter.command, health_url=squatter.health_url, urls={})
        with pytest.raises(StackError, match="taken: something else already answers"):
            start(config, [fresh, taken])
        assert not (tmp_path / "run" / "fresh.pid").exists()
        with pytest.raises(ValueError, match=r"orphan starts after \['nobody'\]"):
            start(config, [_http_service("orphan", free_port(), after=("nobody",))])
    finally:
        stop(config, [squatter])


def test_running_servers_names_this_homes_mlflow_and_prefect_only_while_they_answer(tmp_path):
    """What a flow run by hand beside `make up` reports to: the home's own servers, not any on those ports."""
    mlflow_port, prefect_port = free_port(), free_port()
    config = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path / "home"),
                                  "SWITCHBOARD_MLFLOW__PORT": str(mlflow_port),
                                  "SWITCHBOARD_PREFECT__PORT": str(prefect_port)})
    (tmp_path / "site" / "api").mkdir(parents=True)
    for page in ("health", "api/health"):  # the health pages MLflow and Prefect answer
        (tmp_path / "site" / page).write_text("OK")
    mlflow = _http_service("mlflow", mlflow_port, directory=tmp_path / "site")
    prefect = _http_service("prefect", prefect_port, directory=tmp_path / "site")
    assert running_servers(config) == {}
    assert not (tmp_path / "home" / "run").exists()  # asking leaves a home as it was
    other_home = load_config(environ={"SWITCHBOARD_HOME": str(tmp_path / "other")})
    try:
        start(other_home, [mlflow])  # another home's server on this home's port
        assert running_servers(config) == {}
        stop(other_home, [mlflow])
        start(config, [mlflow, prefect])
        assert running_servers(config) == {"mlflow": f"http://127.0.0.1:{mlflow_port}",
                                           "prefect": f"http://127.0.0.1:{prefect_port}/api"}
    finally:
        stop(config, [mlflow, prefect])
    assert running_servers(config) == {}
