"""Prefect flows: small tasks over `components`, one flow a file, `python -m flows.<name>` for a local run.

With no PREFECT_API_URL a local run starts a temporary Prefect server, which must first create and
migrate a fresh SQLite database. Prefect gives it 20 s, which a loaded 2-core machine overruns, and
the run then dies before doing any work; 120 s is allowed unless the environment says otherwise. That
server has no network here, so it does not try to send Prefect its usage analytics either.

Beside a running `make up`, a local run reports to the stack's own MLflow and Prefect servers instead
(`beside_the_stack`), so that it shows in the UIs a person has open.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import get_run_logger, task  # noqa: E402  (after the settings above, which it reads)
from prefect.settings import PREFECT_API_URL, temporary_settings

from components.config import (
    SwitchboardConfig,  # noqa: E402
    load_config,
)
from components.stack import running_servers
from components.versions.tracking import TrackedRun, log_run  # noqa: E402

_TRACKING_URI = "SWITCHBOARD_MLFLOW__TRACKING_URI"


@contextmanager
def beside_the_stack() -> Iterator[dict[str, str]]:
    """For a run by hand: the MLflow and Prefect servers `make up` runs for this home, unless others are named.

    An MLflow tracking URI in the configuration (or its environment variable), or a Prefect API URL in
    the environment or Prefect's profile, wins. Yields what it chose ({"mlflow": ..., "prefect": ...}),
    and says so on stderr; both are undone on exit.
    """


    config = load_config()
    servers = running_servers(config)
    if config.mlflow.tracking_uri:
        servers.pop("mlflow", None)
    if PREFECT_API_URL.value():
        servers.pop("prefect", None)
    if servers:
        print("reporting to the running stack: " + ", ".join(f"{name} {url}" for name, url in servers.items()),
              file=sys.stderr)
    with ExitStack() as undo:
        if "prefect" in servers:
            undo.enter_context(temporary_settings(updates={PREFECT_API_URL: servers["prefect"]}))
        if "mlflow" in servers:
            os.environ[_TRACKING_URI] = servers["mlflow"]
            undo.callback(os.environ.pop, _TRACKING_URI, None)
        yield servers


@task(retries=2, retry_delay_seconds=3)
def track(config: SwitchboardConfig, run: TrackedRun) -> str | None:
    """Logs a component's run to MLflow and returns its id; None (and a log line) when no server is configured."""
    if not config.mlflow.tracking_uri:
        get_run_logger().info("no mlflow.tracking_uri: %s stays in %s", run.experiment, config.home)
        return None
    return log_run(config.mlflow.tracking_uri, run)
