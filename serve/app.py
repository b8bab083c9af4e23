"""Builders of the Ray Serve applications; infra/serve.yaml imports them.

    serve run infra/serve.yaml                       # both applications, from the Serve config
    python -m serve.app                              # the same, with Ray's state under $SWITCHBOARD_HOME

    from serve.app import build_app
    serve.run(build_app({"engines": {"generator": {"kind": "sim"}}}), route_prefix="/")

`args` (from serve.yaml's `args:` or a dict) are overrides of the Switchboard configuration, applied
over infra/switchboard.yaml and SWITCHBOARD_* variables and validated like them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ray import serve
from ray.serve import Application

from components.config import SwitchboardConfig, load_config, validate_config
from components.config.loader import merge_config
from components.prompts import PromptLibrary
from components.stack.ports import free_port as _free_port
from components.versions import VersionStore, wait_for_alias
from serve import tuning
from serve.deployments import InternalApisDeployment

__all__ = ["build_app", "build_internal_apis_app", "ray_dir", "resolve_config", "run_local"]


def resolve_config(args: dict[str, Any] | SwitchboardConfig | None = None) -> SwitchboardConfig:
    if isinstance(args, SwitchboardConfig):
        return args
    base = load_config().model_dump(mode="json")
    return validate_config(merge_config(base, args or {}), "serve application args")


def build_app(args: dict[str, Any] | SwitchboardConfig | None = None) -> Application:
    """The assistant: ingress -> agent (router inside) -> generator; with `serve.router_deployment`, the
    router is a deployment of its own. The generator alone may ask for a GPU."""
    # Imported here, not at the top: run_local starts Ray (which forks) before anything imports LanceDB.
    from serve.deployments import AgentDeployment, GeneratorDeployment, IngressDeployment, RouterDeployment

    config = resolve_config(args)
    plain, scaling = config.model_dump(mode="json"), config.serve
    router = RouterDeployment.options(**scaling.router.options()).bind(plain) if scaling.router_deployment else None
    # Engines a generator replica may hold: the champion's, the challenger's when shadowing, and one rolling in.
    engines_kept = 2 + (config.pipeline.shadow_share > 0)
    generator = GeneratorDeployment.options(**scaling.generator.options()).bind(
        config.engines.generator.model_dump(mode="json"), bool(config.mlflow.tracking_uri), engines_kept)
    agent = AgentDeployment.options(**scaling.agent.options()).bind(plain, router, generator)
    return IngressDeployment.options(**scaling.ingress.options()).bind(plain, agent)


def build_internal_apis_app(args: dict[str, Any] | SwitchboardConfig | None = None) -> Application:
    """The sample internal APIs as their own Serve application (route prefix /internal)."""

    config = resolve_config(args)
    return InternalApisDeployment.options(**config.serve.internal_apis.options()).bind(config.model_dump(mode="json"))


# Ray puts Unix sockets at <dir>/session_<date>_<time>_<pid>/sockets/plasma_store, and a socket path
# may not exceed 107 bytes: the session part takes about 65 of them.
_MAX_RAY_DIR = 40


def ray_dir(home: Path) -> Path:
    """$SWITCHBOARD_HOME/ray, or a short directory in the system temp dir when the home's path is long."""
    preferred = home / "ray"
    if len(str(preferred)) <= _MAX_RAY_DIR:
        return preferred
    digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:10]
    short = Path(tempfile.gettempdir()) / f"switchboard-ray-{digest}"
    home.mkdir(parents=True, exist_ok=True)
    (home / "ray-dir").write_text(f"{short}\n")  # so a person can find Ray's logs from the home
    return short


def _wait_for_registry(config: SwitchboardConfig) -> None:
    """Waits until the alias serving follows resolves, so that `make up` can start Ray and the internal
    APIs app beside MLflow and its sync instead of after them."""
    settings = config.mlflow
    if not settings.tracking_uri:
        return

    store = VersionStore(settings.tracking_uri, settings.prefix, settings.timeout_s)
    print(f"waiting up to {settings.start_wait_s:.0f} s for {settings.tracking_uri} to name "
          f"'{settings.alias}' versions", flush=True)
    wait_for_alias(store, PromptLibrary.load(), settings.alias, settings.start_wait_s)


def run_local(config: SwitchboardConfig, block: bool = True) -> str:
    """Starts Ray and the assistant on this machine (and the sample APIs as a Serve application when no
    `apis.base_url` names running ones); returns the base URL.

    Ray's state goes under $SWITCHBOARD_HOME/ray (see ray_dir), cleaned first: a killed earlier run
    can leave a stale cluster address there that would make ray.init hang.

    With `block` (`python -m serve.app`, as `make up` runs it) the node is started as `ray start` starts
    one, without the autoscaler's monitor or the log monitor (one machine, no driver to print to), and
    once the applications are deployed this process becomes a bare waiter: Serve's controller and
    replicas are detached and stay, and what deploying them imported (about 270 MB) goes. Its session
    still holds every process of the node, which is how `make down` stops them. Without `block` (tests)
    the node belongs to this process, as ray.init makes it.
    """
    import ray  # start-up time: the builders (imported by serve.yaml in a running cluster) never start Ray

    node_dir = ray_dir(Path(config.home))
    shutil.rmtree(node_dir, ignore_errors=True)
    node_dir.mkdir(parents=True)
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    tuning.apply_local(Path(config.home))
    if block:
        ray.init(address=_start_node(config, node_dir), configure_logging=False, log_to_driver=False)
    else:
        ray.init(_temp_dir=str(node_dir), include_dashboard=False, configure_logging=False, log_to_driver=False,
                 num_cpus=config.serve.local_cpus)
    serve.start(http_options={"host": config.serve.host, "port": config.serve.port})
    base = f"http://{config.serve.host}:{config.serve.port}"
    if not config.apis.base_url:  # `make up` runs the APIs as a process of their own and names it: no second copy
        serve.run(build_internal_apis_app(config.model_copy(deep=True)), name="internal", route_prefix="/internal")
        config = config.model_copy(update={"apis": config.apis.model_copy(update={"base_url": f"{base}/internal"})})
    _wait_for_registry(config)
    serve.run(build_app(config), name=config.serve.app_name, route_prefix="/")
    if block:
        print(f"serving at {base}; this process now only waits (make down stops the node)", flush=True)
        ray.shutdown()
        os.execv(_WAITER[0], _WAITER)
    return base


# What the deploying process becomes: a process that sleeps until a signal ends it (`make down`'s TERM).
_WAITER = [shutil.which("sleep") or "/bin/sleep", "infinity"]


def _start_node(config: SwitchboardConfig, node_dir: Path) -> str:
    """`ray start --head` on loopback in this process's session; the node's address."""
    port = _free_port()
    command = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--node-ip-address=127.0.0.1",
               f"--port={port}", f"--temp-dir={node_dir}", f"--num-cpus={config.serve.local_cpus}",
               "--include-dashboard=false", "--no-monitor", "--include-log-monitor=false", "--disable-usage-stats",
               f"--ray-client-server-port={_free_port()}"]  # not 10001: a second stack on the machine (tests)
    started = subprocess.run(command, capture_output=True, text=True, timeout=180)
    if started.returncode != 0:
        raise RuntimeError(f"`ray start` failed:\n{(started.stdout + started.stderr)[-3000:]}")
    return f"127.0.0.1:{port}"


if __name__ == "__main__":
    run_local(load_config())
