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
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any

from ray import serve
from ray.serve import Application

from components.config import SwitchboardConfig, load_config, validate_config
from components.config.loader import merge_config
from serve import tuning

__all__ = ["build_app", "build_internal_apis_app", "resolve_config", "run_local"]


def resolve_config(args: dict[str, Any] | SwitchboardConfig | None = None) -> SwitchboardConfig:
    if isinstance(args, SwitchboardConfig):
        return args
    base = load_config().model_dump(mode="json")
    return validate_config(merge_config(base, args or {}), "serve application args")


def build_app(args: dict[str, Any] | SwitchboardConfig | None = None) -> Application:
    """The assistant: ingress -> agent -> (router, generator). The generator alone may ask for a GPU."""
    # Imported here, not at the top: run_local starts Ray (which forks) before anything imports LanceDB.
    from serve.deployments import AgentDeployment, GeneratorDeployment, IngressDeployment, RouterDeployment

    config = resolve_config(args)
    plain, scaling = config.model_dump(mode="json"), config.serve
    router = RouterDeployment.options(**scaling.router.options()).bind(plain)
    # Engines a generator replica may hold: the champion's, the challenger's when shadowing, and one rolling in.
    engines_kept = 2 + (config.pipeline.shadow_share > 0)
    generator = GeneratorDeployment.options(**scaling.generator.options()).bind(
        config.engines.generator.model_dump(mode="json"), bool(config.mlflow.tracking_uri), engines_kept)
    agent = AgentDeployment.options(**scaling.agent.options()).bind(plain, router, generator)
    return IngressDeployment.options(**scaling.ingress.options()).bind(plain, agent)


def build_internal_apis_app(args: dict[str, Any] | SwitchboardConfig | None = None) -> Application:
    """The sample internal APIs as their own Serve application (route prefix /internal)."""
    from serve.deployments import InternalApisDeployment

    config = resolve_config(args)
    return InternalApisDeployment.options(**config.serve.internal_apis.options()).bind(config.model_dump(mode="json"))


# Ray puts Unix sockets at <dir>/session_<date>_<time>_<pid>/sockets/plasma_store, and a socket path
# may not exceed 107 bytes: the session part takes about 65 of them.
_MAX_RAY_DIR = 40


def _ray_dir(home: Path) -> Path:
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
    from components.prompts import PromptLibrary
    from components.versions import VersionStore, wait_for_alias

    store = VersionStore(settings.tracking_uri, settings.prefix, settings.timeout_s)
    print(f"waiting up to {settings.start_wait_s:.0f} s for {settings.tracking_uri} to name "
          f"'{settings.alias}' versions", flush=True)
    wait_for_alias(store, PromptLibrary.load(), settings.alias, settings.start_wait_s)


def run_local(config: SwitchboardConfig, block: bool = True) -> str:
    """Starts Ray and both applications on this machine; returns the base URL.

    Ray's state goes under $SWITCHBOARD_HOME/ray (see _ray_dir), cleaned first: a killed earlier run
    can leave a stale cluster address there that would make ray.init hang.
    """
    import ray

    ray_dir = _ray_dir(Path(config.home))
    shutil.rmtree(ray_dir, ignore_errors=True)
    ray_dir.mkdir(parents=True)
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    tuning.apply_local(Path(config.home))
    ray.init(_temp_dir=str(ray_dir), include_dashboard=False, configure_logging=False, log_to_driver=False,
             num_cpus=config.serve.local_cpus)
    serve.start(http_options={"host": config.serve.host, "port": config.serve.port})
    base = f"http://{config.serve.host}:{config.serve.port}"
    internal = config.model_copy(deep=True)
    serve.run(build_internal_apis_app(internal), name="internal", route_prefix="/internal")
    if not config.apis.base_url:
        config = config.model_copy(update={"apis": config.apis.model_copy(update={"base_url": f"{base}/internal"})})
    _wait_for_registry(config)
    serve.run(build_app(config), name="switchboard", route_prefix="/")
    if block:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        stop.wait()
        serve.shutdown()
        ray.shutdown()
    return base


if __name__ == "__main__":
    run_local(load_config())
