"""MLflow runs keyed by what they are about (a date, a candidate): re-running replaces, never duplicates."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["keyed_run"]


def keyed_run(tracking_uri: str, experiment: str, key: str, value: str, *, run_name: str,
              tags: dict[str, str] | None = None, params: dict[str, Any] | None = None,
              metrics: dict[str, float] | None = None, artifacts: list[Path] | None = None,
              dicts: dict[str, Any] | None = None) -> str:
    """Logs one finished run tagged `key=value`, deleting earlier runs with that tag; returns its id."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    for old in client.search_runs([experiment_id], filter_string=f"tags.`{key}` = '{value}'"):
        client.delete_run(old.info.run_id)
    run = client.create_run(experiment_id, run_name=run_name, tags={key: value, **(tags or {})})
    run_id = run.info.run_id
    from mlflow.entities import Metric, Param

    client.log_batch(run_id, metrics=[Metric(k, float(v), 0, 0) for k, v in (metrics or {}).items()],
                     params=[Param(k, str(v)[:6000]) for k, v in (params or {}).items()])
    for path in artifacts or []:
        client.log_artifact(run_id, str(path))
    for name, content in (dicts or {}).items():
        client.log_dict(run_id, content, name)
    client.set_terminated(run_id)
    return run_id
