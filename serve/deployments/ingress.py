"""The ingress deployment: the HTTP API (components/http) over the agent deployment's turns."""

from __future__ import annotations

import os

from ray import serve
from ray.serve.handle import DeploymentHandle

from components.config import SwitchboardConfig
from components.http import AssistServing, Metrics, build_api_server
from components.network import NetworkStore
from serve.adapters import RemoteTurns
from serve.tuning import replica_transport, transport_of

__all__ = ["IngressDeployment"]


@serve.deployment(name="ingress")
@serve.ingress()
class IngressDeployment:
    def __init__(self, config: dict, agent: DeploymentHandle) -> None:
        full = SwitchboardConfig.model_validate(config)
        settings = full.serve
        self.contexts = NetworkStore.load(full.apis.data_dir).sample_contexts()
        self.agent = replica_transport(agent)
        self.serving = AssistServing(RemoteTurns(self.agent, settings.retry_after_s), Metrics(),
                                     max_in_flight=settings.max_turns_in_flight)
        self.auth_token = os.environ.get(settings.auth_token_env) if settings.auth_token_env else None
        self.retry_after_s = settings.retry_after_s

    async def transport(self) -> dict[str, str]:
        return {"agent": transport_of(self.agent)}

    def __serve_build_asgi_app__(self):
        return build_api_server(self.serving, auth_token=self.auth_token, retry_after_s=self.retry_after_s,
                                contexts=self.contexts)
