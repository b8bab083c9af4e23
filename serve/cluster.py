"""The running Serve application's generator, for offline jobs that must generate where serving does.

A flow's process has no accelerator and no vLLM (its environment cannot hold both Prefect and vLLM), so a
promotion of a prompt for a model on vLLM evaluates by asking the serving cluster's generator deployment,
as the agent replicas do: a `RemoteEngine` per model pin, prepared on every generator replica first (a
candidate pin loads there beside the champion's; a pin the deployment already serves shares its engine).

    with serving_engines(config) as engine_for:      # None unless promotion.generate_on is "serve"
        evaluate_sides(config, {"candidate": loaded, "champion": champion}, repeats, engine_for)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from components.config import SwitchboardConfig
from components.promotion.decision import EngineFor

__all__ = ["ServingUnavailable", "cluster_address", "serving_engines"]


class ServingUnavailable(RuntimeError):
    """No running Serve application to generate on: what to start, or which setting names it."""


def cluster_address(config: SwitchboardConfig) -> str:
    """`serve.ray_address`, or the address `make up`'s node wrote under this home's Ray directory."""
    if config.serve.ray_address:
        return config.serve.ray_address
    # start-up time: the flow imports this module whether or not it generates on the cluster
    from ray._private.utils import read_ray_address

    from serve.app import ray_dir

    folder = ray_dir(Path(config.home))
    address = read_ray_address(str(folder))
    if not address:
        raise ServingUnavailable(f"promotion.generate_on is 'serve', but no Ray cluster runs for {config.home} (no "
                                 f"address in {folder}): start the stack (make up) or set serve.ray_address")
    return address


@contextmanager
def serving_engines(config: SwitchboardConfig) -> Iterator[EngineFor | None]:
    """A function from a model pin to an engine that generates on the Serve application's generator deployment,
    or None when `promotion.generate_on` is "flow". Connects this process to the cluster (unless it already is:
    a test's, or a flow run inside it) and leaves it connected as it found it."""
    if config.promotion.generate_on != "serve":
        yield None
        return
    # start-up time: Ray only for an evaluation that generates on the cluster
    import ray
    from ray import serve

    from serve.adapters import RemoteEngine

    connected = not ray.is_initialized()
    if connected:
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # as `make up` starts its node
        ray.init(address=cluster_address(config), configure_logging=False, log_to_driver=False)
    try:
        try:
            handle = serve.get_deployment_handle("generator", app_name=config.serve.app_name)
        except Exception as exc:  # noqa: BLE001 - Serve's own errors name neither the app nor the fix
            raise ServingUnavailable(f"no generator deployment in Serve application '{config.serve.app_name}' "
                                     f"({type(exc).__name__}: {exc}); is the stack up?") from exc

        yield partial(RemoteEngine.prepared, handle)  # a candidate's pin loads on every replica before its first turn
    finally:
        if connected:
            ray.shutdown()
