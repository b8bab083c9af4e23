"""Serves the deployments and schedules declared in infra/prefect.yaml from this process.

    PREFECT_API_URL=http://127.0.0.1:4200/api python -m flows.deployments

The schedules run and show in the Prefect UI; stopping the process pauses them (Prefect's `serve`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect import serve

from components.config import repo_root

PREFECT_YAML = repo_root() / "infra" / "prefect.yaml"


def runner_deployments(path: Path = PREFECT_YAML) -> list:
    """One RunnerDeployment per entry of prefect.yaml, with its schedules, parameters and tags."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    deployments = []
    for entry in spec.get("deployments") or []:
        file, _, name = entry["entrypoint"].partition(":")
        module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        crons = [s["cron"] for s in entry.get("schedules") or [] if "cron" in s]
        deployments.append(flow.to_deployment(name=entry["name"], cron=crons or None,
                                              parameters=entry.get("parameters") or {},
                                              description=entry.get("description"), tags=entry.get("tags") or []))
    return deployments


if __name__ == "__main__":
    serve(*runner_deployments())
