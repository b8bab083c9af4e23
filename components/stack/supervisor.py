"""Starts the services of the embedded-default stack in the background and stops them again.

Each service runs in its own process session (so `down` can stop it with everything it spawned), logs
to `$SWITCHBOARD_HOME/run/<name>.log`, and records its pid in `$SWITCHBOARD_HOME/run/<name>.pid`. `up`
waits until each health URL answers, and fails with the end of the log when one does not.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from components.config import SwitchboardConfig, repo_root

__all__ = ["Service", "StackError", "default_services", "healthy", "mlflow_command", "running_servers",
           "service_processes", "start", "status", "stop"]


class StackError(RuntimeError):
    """A service failed to start or become healthy."""


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    health_url: str
    urls: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)
    start_timeout_s: float = 90.0
    then: list[str] | None = None  # a one-shot command run once the service is healthy (e.g. a sync into it)
    after: tuple[str, ...] = ()  # services that must be healthy, their one-shots done, before this one starts
    nice: int = 0  # added to the CPU niceness: offline work yields to the members' turns on a shared machine


def mlflow_command(config: SwitchboardConfig) -> list[str]:
    """The local MLflow server: SQLite store and proxied artifacts under $SWITCHBOARD_HOME/mlflow, loopback."""
    settings, root = config.mlflow, Path(config.home) / "mlflow"
    root.mkdir(parents=True, exist_ok=True)
    return [sys.executable, "-m", "components.stack.mlflow_server",  # `mlflow server`, as one process
            "--backend-store-uri", settings.backend_store_uri or f"sqlite:///{root.resolve()}/mlflow.db",
            "--serve-artifacts", "--artifacts-destination", settings.artifacts_destination or str(root / "artifacts"),
            "--host", settings.host, "--port", str(settings.port), "--workers", "1"]


def default_services(config: SwitchboardConfig) -> list[Service]:
    apis, serve, tracking = config.apis, config.serve, config.mlflow.tracking_uri or config.mlflow.local_url
    base = f"http://{serve.host}:{serve.port}"
    prefect = config.prefect
    prefect_env = {"PREFECT_HOME": str(Path(config.home) / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                   "PREFECT_UI_API_URL": prefect.api_url}
    return [
        # Everything starts at once. MLflow's sync registers the sources in the repo (a no-op when nothing
        # changed since the last `make up`); serving starts Ray meanwhile and waits for the champion
        # versions it resolves (mlflow.start_wait_s) before it deploys the assistant. Prefect and the
        # flows run niced: on one machine, batch work should not slow a member's turn (nor `up`'s
        # longest path, which is serving's). Niced, they get little CPU while Ray starts, hence the
        # long start timeouts.
        Service(name="mlflow", command=mlflow_command(config), health_url=f"{config.mlflow.local_url}/health",
                urls={"MLflow UI (prompts, models, aliases)": config.mlflow.local_url},
                env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}, start_timeout_s=120,
                then=[sys.executable, "-m", "components.cli", "mlflow", "sync"]),
        Service(name="apis", command=[sys.executable, "-m", "components.cli", "apis"],
                health_url=f"{apis.url}/healthz",
                urls={"Sample internal APIs": apis.url, "Sample APIs docs": f"{apis.url}/docs"}),
        # Ray Serve: the assistant (ingress, agent with the router inside, generator). Skills call the APIs
        # above, so the APIs' own Serve application (infra/serve.yaml's `internal`, for a cluster) is not run
        # here: one copy of the sample network in memory, not two.
        Service(name="serve", command=[sys.executable, "-m", "serve.app"], health_url=f"{base}/healthz",
                urls={"Chat page": f"{base}/", "Assistant API (OpenAPI docs)": f"{base}/docs",
                      "OpenAI-compatible API": f"{base}/v1", "Metrics": f"{base}/metrics"},
                env={"SWITCHBOARD_APIS__BASE_URL": apis.url, "SWITCHBOARD_MLFLOW__TRACKING_URI": tracking},
                start_timeout_s=300),
        # Prefect: the server (UI and API), then the offline flows served with the schedules of infra/prefect.yaml.
        Service(name="prefect", command=[sys.executable, "-m", "prefect", "server", "start", "--host", prefect.host,
                                         "--port", str(prefect.port)],
                health_url=f"{prefect.api_url}/health", urls={"Prefect UI (flows, schedules, artifacts)":
                                                              f"http://{prefect.host}:{prefect.port}"},
                env=prefect_env, start_timeout_s=300, nice=10),
        # Healthy when its runner polls Prefect (the runner's own health page): the deployments it
        # registers outlive it in Prefect's database, so they cannot say whether it runs.
        Service(name="flows", command=[sys.executable, "-m", "flows.deployments"],
                health_url=f"http://{prefect.host}:{prefect.runner_port}/health", urls={},
                env={**prefect_env, "PREFECT_API_URL": prefect.api_url, "SWITCHBOARD_MLFLOW__TRACKING_URI": tracking,
                     "PREFECT_RUNNER_SERVER_ENABLE": "true", "PREFECT_RUNNER_SERVER_HOST": prefect.host,
                     "PREFECT_RUNNER_SERVER_PORT": str(prefect.runner_port)},
                start_timeout_s=300, after=("prefect",), nice=10),
    ]


def _run_dir(config: SwitchboardConfig) -> Path:
    path = Path(config.home) / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pid(config: SwitchboardConfig, name: str) -> int | None:
    path = Path(config.home) / "run" / f"{name}.pid"  # not _run_dir: asking must not make a home's run dir
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    return pid if pid and _alive(pid) else None


# One client for every check: a new one per call loads the CA bundle again, 57 ms of CPU, and `up`
# polling five services three times a second spent most of a core on that while they started.
_HEALTH_CLIENT = httpx.Client(timeout=2.0, trust_env=False)


def healthy(url: str) -> bool:
    """Whether `url` answers 200 within two seconds."""
    try:
        return _HEALTH_CLIENT.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def start(config: SwitchboardConfig, services: list[Service], progress=None) -> None:
    """Starts every service that is not already running and waits for all to be healthy.

    Each service starts as soon as those it comes `after` are healthy (and their one-shots done), so
    independent ones start together: sequentially, a 2-core machine spent almost three minutes on
    `up`, mostly waiting on one process at a time. A port another program answers on is refused
    before anything starts. `progress` is called with the names still starting.
    """
    names = {service.name for service in services}
    for service in services:
        if unknown := set(service.after) - names:
            raise ValueError(f"{service.name} starts after {sorted(unknown)}, which are not among the services")
    running = {service.name for service in services if _pid(config, service.name) is not None}
    for service in services:
        if service.name not in running and healthy(service.health_url):
            raise StackError(f"{service.name}: something else already answers at {service.health_url}; "
                             f"stop it or change the port in infra/switchboard.yaml")
    up = {service.name: threading.Event() for service in services}
    failed, starting, lock = threading.Event(), set(names), threading.Lock()

    def report() -> None:
        if progress:
            with lock:
                progress(", ".join(sorted(starting)))

    def bring_up(service: Service) -> None:
        try:
            for name in service.after:
                while not up[name].wait(0.2):
                    if failed.is_set():
                        return
            if service.name in running:
                if service.then:  # idempotent one-shots (a sync) run again: the sources may have changed
                    _run_once(config, service)
            else:
                _launch(config, service, failed, report)
        except BaseException:
            failed.set()  # the others stop waiting; the caller stops what started
            raise
        with lock:
            starting.discard(service.name)
        up[service.name].set()

    with ThreadPoolExecutor(max_workers=len(services) or 1, thread_name_prefix="up") as pool:
        futures = [pool.submit(bring_up, service) for service in services]
    if errors := [error for future in futures if (error := future.exception()) is not None]:
        raise errors[0]


def _launch(config: SwitchboardConfig, service: Service, failed: threading.Event, report) -> None:
    run = _run_dir(config)
    env = {**os.environ, "SWITCHBOARD_HOME": str(config.home), **service.env}
    with (run / f"{service.name}.log").open("ab") as log:  # the service writes to its own copy
        process = subprocess.Popen(service.command, stdout=log, stderr=subprocess.STDOUT, cwd=repo_root(),
                                   env=env, start_new_session=True)
    (run / f"{service.name}.pid").write_text(str(process.pid))
    if service.nice:  # not preexec_fn, which is unsafe with threads; children started later inherit it
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, process.pid, os.getpriority(os.PRIO_PROCESS, 0) + service.nice)
    deadline = time.monotonic() + service.start_timeout_s
    while not healthy(service.health_url):
        if failed.is_set():
            return  # another service failed; the caller stops this one with the rest
        if process.poll() is not None or time.monotonic() > deadline:
            stop(config, [service])
            tail = (run / f"{service.name}.log").read_text(errors="replace")[-2000:]
            reason = "exited" if process.returncode is not None else "did not become healthy in time"
            raise StackError(f"{service.name} {reason}; end of {run / service.name}.log:\n{tail}")
        report()
        time.sleep(0.3)
    if service.then:
        _run_once(config, service)


def _run_once(config: SwitchboardConfig, service: Service) -> None:
    log = _run_dir(config) / f"{service.name}.log"
    env = {**os.environ, "SWITCHBOARD_HOME": str(config.home), **service.env}
    try:
        done = subprocess.run(service.then, cwd=repo_root(), env=env, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise StackError(f"{service.name}: `{' '.join(service.then)}` did not finish in 300 s") from None
    with log.open("a") as out:
        out.write(done.stdout + done.stderr)
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-2000:]
        raise StackError(f"{service.name}: `{' '.join(service.then[1:])}` failed:\n{output}")


def stop(config: SwitchboardConfig, services: list[Service]) -> list[str]:
    """Stops each service's whole session (TERM, then KILL after 10 s); returns the names stopped.

    The whole session, not only the process group: Ray starts its processes (and the HAProxy in
    front of Serve) in groups of their own, which outlive a signal to the group `up` started. All are
    signalled first and then waited for together, so `down` takes the slowest one's time, not the sum.
    """
    stopping = {}
    for service in reversed(services):
        pid = _pid(config, service.name)
        if pid is not None:
            _signal_session(pid, signal.SIGTERM)
            stopping[service.name] = pid
    deadline = time.monotonic() + 10
    while any(_session_alive(pid) for pid in stopping.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in stopping.values():
        if _session_alive(pid):
            _signal_session(pid, signal.SIGKILL)
    for service in services:
        (_run_dir(config) / f"{service.name}.pid").unlink(missing_ok=True)
    return list(stopping)


def _session(sid: int) -> list[int]:
    """The live processes of session `sid`, from /proc (Linux); elsewhere only its leader."""
    if not Path("/proc/self/stat").exists():
        return [sid] if _alive(sid) else []
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, _group, session = stat.read_text().rpartition(")")[2].split()[:4]
        except (OSError, ValueError):
            continue  # the process ended while we read
        if int(session) == sid and state != "Z":
            members.append(int(stat.parent.name))
    return members


def _signal_session(sid: int, sig: signal.Signals) -> None:
    """Signals the leader's group, as before, then whatever else of the session /proc shows."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(sid, sig)
    for pid in _session(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _session_alive(sid: int) -> bool:
    try:
        os.waitpid(sid, os.WNOHANG)  # reap the leader when `up` in this process started it
    except ChildProcessError:
        pass
    return bool(_session(sid))


def service_processes(config: SwitchboardConfig, name: str) -> list[int]:
    """The live processes of a running service: its whole session, children included; [] when it is down."""
    pid = _pid(config, name)
    return _session(pid) if pid is not None else []


def status(config: SwitchboardConfig, services: list[Service]) -> dict[str, bool]:
    return {s.name: _pid(config, s.name) is not None and healthy(s.health_url) for s in services}


def running_servers(config: SwitchboardConfig) -> dict[str, str]:
    """The MLflow tracking URI and Prefect API URL of the servers `up` runs for this home, those that answer now.

    What a command run by hand beside the stack (a flow's `python -m`, `switchboard promote`) reports to
    when nothing names other servers: without them its MLflow run and its Prefect flow run would land
    nowhere a person looks. Only this home's own servers count (their pid files), not whatever answers
    on the default ports.
    """
    found = {}
    if _pid(config, "mlflow") is not None and healthy(f"{config.mlflow.local_url}/health"):
        found["mlflow"] = config.mlflow.local_url
    if _pid(config, "prefect") is not None and healthy(f"{config.prefect.api_url}/health"):
        found["prefect"] = config.prefect.api_url
    return found
