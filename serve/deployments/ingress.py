"""The ingress deployment: the HTTP API (components/http) over the agent deployment's turns."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from ray import serve
from ray.serve.handle import DeploymentHandle

from components.config import SwitchboardConfig
from components.http import AssistServing, Metrics, build_api_server
from components.network import NetworkStore
from serve.adapters import RemoteTurns
from serve.metrics import RayMetricMirror
from serve.tuning import replica_transport, transport_of

__all__ = ["IngressDeployment"]


@serve.deployment(name="ingress")
@serve.ingress()
class IngressDeployment:
    async def __init__(self, config: dict, agent: DeploymentHandle) -> None:
        full = SwitchboardConfig.model_validate(config)
        settings = full.serve
        self.contexts = NetworkStore.load(full.apis.data_dir).sample_contexts()
        self.agent = replica_transport(agent)
        turns = RemoteTurns(self.agent, settings.agent_timeout_s, logs=Path(full.home) / "logs")
        # Every update also goes to Ray's metrics agent, whose scrape sees all ingress replicas (serve/metrics.py).
        metrics = Metrics(mirror=RayMetricMirror())
        self.serving = AssistServing(turns, metrics, max_in_flight=settings.max_turns_in_flight)
        self.version_gauges = asyncio.create_task(metrics.follow_versions(turns.ready, full.mlflow.poll_interval_s))
        self.auth_token = os.environ.get(settings.auth_token_env) if settings.auth_token_env else None
        self.retry_after_s, self.max_body_bytes = settings.retry_after_s, settings.max_body_bytes

    async def transport(self) -> dict[str, str]:
        return {"agent": transport_of(self.agent)}

    def __serve_build_asgi_app__(self):
        return build_api_server(self.serving, auth_token=self.auth_token, retry_after_s=self.retry_after_s,
                                contexts=self.contexts, max_body_bytes=self.max_body_bytes)
