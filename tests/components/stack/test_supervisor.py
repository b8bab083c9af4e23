"""The supervisor's ordering and failure rules, with small real HTTP servers as the services."""

import sys
import time

import httpx
import pytest

from components.config import load_config
from components.stack import Service, StackError, start, status, stop
from tests.conftest import free_port


def _http_service(name: str, port: int, delay_s: float = 0.0, **options) -> Service:
    """Python's http.server on `port`, answering only after `delay_s` (a service that is slow to start)."""
    serve = f"import time, runpy, sys; time.sleep({delay_s}); sys.argv = ['http.server', '{port}', '--bind', " \
            f"'127.0.0.1']; runpy.run_module('http.server', run_name='__main__')"
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
