"""`mlflow server` as one process: MLflow's own launcher, whose last step becomes the server it would spawn.

    python -m components.stack.mlflow_server --backend-store-uri ... --port 5050   # `mlflow server`'s options

`mlflow server` validates its options, initialises the stores and works out the server's environment,
then starts uvicorn as a child and only waits for it: about 200 MB (PSS) of imported CLI doing nothing
for as long as the stack runs. Here the same launcher runs, and where it would start the child, this
process replaces itself with it (exec): the same command, the same environment, one process.

The waiting parent has work only when MLflow runs jobs beside the server (MLFLOW_SERVER_ENABLE_JOB_EXECUTION,
which `make up` turns off); then, or if MLflow's launcher changes shape, this runs `mlflow server` as it is.
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["main"]

log = logging.getLogger(__name__)


def _become(command: list[str], extra_env: dict[str, str] | None = None, **_: object) -> None:
    """Stands in for mlflow.utils.process._exec_cmd(command, extra_env=..., synchronous=False): never returns."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvpe(command[0], command, {**os.environ, **(extra_env or {})})


def main(argv: list[str]) -> None:
    # start-up time: the launcher module is imported by `make up`'s supervisor, which never runs MLflow itself
    import mlflow.server
    from mlflow.cli import cli

    jobs = os.environ.get("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "true").strip().lower() not in ("false", "0", "no")
    if jobs or not callable(getattr(mlflow.server, "_exec_cmd", None)):
        log.warning("running `mlflow server` with its waiting parent (jobs enabled, or MLflow's launcher changed)")
    else:
        mlflow.server._exec_cmd = _become
    cli.main(["server", *argv], prog_name="mlflow")


if __name__ == "__main__":
    main(sys.argv[1:])
