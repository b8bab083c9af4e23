"""MLflow runs keyed by what they are about (a date, a candidate): re-running replaces, never duplicates.

Each offline job describes its run as a `TrackedRun` (built in the component that owns the numbers:
`evaluation.nightly_run`, `skew.skew_run`, `retrieval.examples_run`, `promotion.promotion_run`) and
one function logs any of them, so the flows hold no MLflow code of their own.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["RunDataset", "TrackedRun", "keyed_run", "log_run"]


@dataclass(frozen=True)
class RunDataset:
    """A dataset the run read, shown on the run's page with its digest (MLflow's dataset inputs)."""

    rows: Any  # a polars DataFrame; integer columns are cast to float (MLflow warns on them)
    source: Path
    name: str
    digest: str
    context: str


@dataclass(frozen=True)
class TrackedRun:
    """One finished MLflow run: `key=value` names what it is about; re-logging that key replaces it."""

    experiment: str
    key: str
    value: str
    run_name: str
    tags: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    artifacts: list[Path] = field(default_factory=list)
    dicts: dict[str, Any] = field(default_factory=dict)
    datasets: list[RunDataset] = field(default_factory=list)


def log_run(tracking_uri: str, run: TrackedRun) -> str:
    """Logs `run`, deleting earlier runs with its key; returns the new run's id."""
    run_id = keyed_run(tracking_uri, run.experiment, run.key, run.value, run_name=run.run_name, tags=run.tags,
                       params=run.params, metrics=run.metrics, artifacts=run.artifacts, dicts=run.dicts)
    if run.datasets:
        _log_datasets(tracking_uri, run_id, run.datasets)
    return run_id


def keyed_run(tracking_uri: str, experiment: str, key: str, value: str, *, run_name: str,
              tags: dict[str, str] | None = None, params: dict[str, Any] | None = None,
              metrics: dict[str, float] | None = None, artifacts: list[Path] | None = None,
              dicts: dict[str, Any] | None = None) -> str:
    """Logs one finished run tagged `key=value`, deleting earlier runs with that tag; returns its id."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
    # mlflow takes seconds to import: only the offline jobs that log a run pay for it.
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(tracking_uri=tracking_uri)
    found = client.get_experiment_by_name(experiment)
    experiment_id = found.experiment_id if found else client.create_experiment(experiment)
    for old in client.search_runs([experiment_id], filter_string=f"tags.`{key}` = '{value}'"):
        client.delete_run(old.info.run_id)
    run = client.create_run(experiment_id, run_name=run_name, tags={key: value, **(tags or {})})
    run_id = run.info.run_id
    client.log_batch(run_id, metrics=[Metric(k, float(v), 0, 0) for k, v in (metrics or {}).items()],
                     params=[Param(k, str(v)[:6000]) for k, v in (params or {}).items()])
    for path in artifacts or []:
        client.log_artifact(run_id, str(path))
    for name, content in (dicts or {}).items():
        client.log_dict(run_id, content, name)
    client.set_terminated(run_id)
    return run_id


def _log_datasets(tracking_uri: str, run_id: str, datasets: list[RunDataset]) -> None:
    # start-up time, as in keyed_run
    import mlflow
    import polars as pl
    from mlflow import MlflowClient
    from mlflow.entities import DatasetInput, InputTag

    inputs = []
    for dataset in datasets:
        rows = dataset.rows.with_columns(pl.col(pl.Int64, pl.Int32).cast(pl.Float64))
        with warnings.catch_warnings():
            # MLflow registers its local-file dataset source for the schemes "" and "file" both, and warns that a
            # file URI matches two of them (the same class) on every resolve.
            warnings.filterwarnings("ignore", "The specified dataset source can be interpreted in multiple ways")
            logged = mlflow.data.from_pandas(rows.to_pandas(), source=dataset.source.as_uri(), name=dataset.name,
                                             digest=dataset.digest)
        inputs.append(DatasetInput(logged._to_mlflow_entity(), [InputTag("mlflow.data.context", dataset.context)]))
    MlflowClient(tracking_uri).log_inputs(run_id, inputs)
