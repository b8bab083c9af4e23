"""Ray Serve's latency settings as run_local applies them (serve/tuning.py)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import httpx
import pytest

from serve import tuning

NODE_ID_DIR = 57  # Ray puts HAProxy's files under a 56-character node id directory


@pytest.fixture
def clean_env(monkeypatch):
    for name in [*tuning.SERVE_TUNING, "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S"]:
        monkeypatch.delenv(name, raising=False)
    for name in [n for n in os.environ if n.startswith("RAY_SERVE_HAPROXY_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_apply_local_sets_the_tuning_and_haproxy_paths_haproxy_accepts(clean_env, tmp_path):
    home = tmp_path / ("a-long-home-directory-name" * 4)
    applied = tuning.apply_local(home)
    assert {name: os.environ[name] for name in tuning.SERVE_TUNING} == tuning.SERVE_TUNING
    assert os.environ["RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S"] == "1"
    for name in ("RAY_SERVE_HAPROXY_SOCKET_PATH", "RAY_SERVE_HAPROXY_METRICS_SOCKET_PATH"):
        directory, _, file = applied[name].rpartition("/")
        assert len(directory) + NODE_ID_DIR + 1 + len(file) <= 97, applied[name]
    assert applied["RAY_SERVE_HAPROXY_STATS_PORT"] != applied["RAY_SERVE_HAPROXY_METRICS_PORT"]
    # HAProxy makes its admin socket mode 666: only the owner may reach into the directory
    assert stat.S_IMODE(os.stat(os.path.dirname(applied["RAY_SERVE_HAPROXY_SOCKET_PATH"])).st_mode) == 0o700
    assert tuning.apply_local(tmp_path / "other")["RAY_SERVE_HAPROXY_CONFIG_FILE_LOC"] != \
        applied["RAY_SERVE_HAPROXY_CONFIG_FILE_LOC"]


def test_a_setting_already_exported_wins(clean_env, tmp_path):
    clean_env.setenv("RAY_SERVE_USE_GRPC_BY_DEFAULT", "0")
    clean_env.setenv("RAY_SERVE_ENABLE_HA_PROXY", "0")
    applied = tuning.apply_local(tmp_path)
    assert applied["RAY_SERVE_USE_GRPC_BY_DEFAULT"] == "0" and applied["RAY_SERVE_ENABLE_HA_PROXY"] == "0"
    assert "RAY_SERVE_HAPROXY_SOCKET_PATH" not in applied  # no HAProxy, no HAProxy files


def test_without_an_haproxy_binary_the_python_proxy_serves(clean_env, tmp_path, caplog):
    clean_env.setattr(tuning, "haproxy_binary", lambda: None)
    applied = tuning.apply_local(tmp_path)
    assert applied["RAY_SERVE_ENABLE_HA_PROXY"] == "0" and os.environ["RAY_SERVE_ENABLE_HA_PROXY"] == "0"
    assert "no HAProxy binary" in caplog.text


def test_the_bundled_haproxy_binary_is_found():
    binary = tuning.haproxy_binary()
    assert binary is not None and os.access(binary, os.X_OK)


@pytest.mark.integration
def test_haproxy_fronts_the_running_app(serve_app):
    """The app under test is served by HAProxy: its stats page lists the ingress replica as a backend."""
    url, _ = serve_app
    stats = httpx.get(f"http://127.0.0.1:{os.environ['RAY_SERVE_HAPROXY_STATS_PORT']}/stats;csv", timeout=10)
    assert stats.status_code == 200
    assert "switchboard" in stats.text, stats.text
    assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200


@pytest.mark.integration
def test_the_deployments_call_each_other_over_grpc(serve_app):
    """Whatever transport the process that built the app had when it imported Ray (this one may have
    imported it before run_local set the tuning), each deployment calls the next over gRPC."""
    from ray.serve.handle import DeploymentHandle

    async def transports() -> tuple[dict, dict]:  # in a loop: the tuned handles route on the caller's loop
        # Handles of this test's own, shut down with it: Serve's cached ones would stay bound to this loop,
        # and serve.shutdown() at the end of the session would fail on them once it is closed.
        agent, ingress = DeploymentHandle("agent", "switchboard"), DeploymentHandle("ingress", "switchboard")
        try:
            return await agent.transport.remote(), await ingress.transport.remote()
        finally:
            await agent.shutdown_async()
            await ingress.shutdown_async()

    agent, ingress = asyncio.run(asyncio.wait_for(transports(), 30))
    assert agent == {"router": "in-process", "generator": "grpc"} and ingress == {"agent": "grpc"}


@pytest.mark.integration
@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads processes from /proc")
def test_the_replicas_and_haproxy_run_at_normal_priority(serve_app):
    """Ray starts its workers at nice 15; this cluster's replicas, and the HAProxy one of them starts, run at 0."""
    import ray

    raylet = ray._private.worker._global_node.all_processes["raylet"][0].process.pid
    parents, names = {}, {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            names[int(status.parent.name)] = (status.parent / "cmdline").read_bytes().split(b"\0")[0].decode()
        except (OSError, ValueError):
            continue  # a process that ended while we read
        parents[int(status.parent.name)] = int(fields["PPid"])
    workers = {pid for pid, parent in parents.items() if parent == raylet}
    serving = {pid: names[pid] for pid in workers if names[pid].startswith("ray::ServeReplica:switchboard:")}
    serving |= {pid: names[pid] for pid, parent in parents.items()
                if parent in workers and names[pid].endswith("/haproxy")}
    assert len(serving) >= 4 and any(name.endswith("/haproxy") for name in serving.values()), serving  # 3 replicas
    assert {name: os.getpriority(os.PRIO_PROCESS, pid) for pid, name in serving.items()} == \
        {name: 0 for name in serving.values()}


def test_haproxy_files_of_deleted_homes_are_removed_and_live_ones_kept(tmp_path):
    live_home, gone_home = tmp_path / "live", tmp_path / "gone"
    live_home.mkdir()
    for name, home in (("sbhap-live", live_home), ("sbhap-gone", gone_home)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "home").write_text(f"{home}\n")
    (tmp_path / "sbhap-unowned").mkdir()  # being made by another process, or by an older version
    (tmp_path / "other").mkdir()
    tuning._remove_orphaned_haproxy_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live", "other", "sbhap-live", "sbhap-unowned"]
