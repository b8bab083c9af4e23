"""The router deployment: the in-house routing model, per MLflow version when a release names one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ray import serve

from components.config import SwitchboardConfig
from components.routing import RouteDecision, Router, load_router
from components.versions import VersionStore
from components.versions.pools import RouterVersions

__all__ = ["RouterDeployment"]


@serve.deployment(name="router")
class RouterDeployment:
    """Routes with the configured artifact, or with the MLflow version the agent's release names."""

    def __init__(self, config: dict) -> None:
        settings = SwitchboardConfig.model_validate(config)
        self.router = load_router(settings.routing.artifact, settings.routing.min_confidence)
        self.versions = None
        if settings.mlflow.tracking_uri:

            mlflow = settings.mlflow
            self.versions = RouterVersions(VersionStore(mlflow.tracking_uri, mlflow.prefix, mlflow.timeout_s),
                                           Path(settings.home) / "mlflow-cache" / "router")

    async def prepare(self, source: str | None) -> dict:
        """Loads a router version before a release that uses it serves (raising if it cannot): its version, and
        whether it weighs the previous turn's agent."""
        router = await self._router(source)
        return {"version": router.version, "conversational": router.conversational}

    async def route(self, query: str, context_type: str = "none", source: str | None = None,
                    previous_agent: str | None = None) -> RouteDecision:
        # async: a few milliseconds of model on the replica's loop cost less than a hop to Serve's thread pool
        return (await self._router(source)).route(query, context_type, previous_agent)

    async def _router(self, source: str | None) -> Router:
        if source is None or self.versions is None:
            return self.router
        # A version not loaded here yet (prepare reached another replica) downloads from MLflow in a thread:
        # the turns on the versions already loaded go on meanwhile.
        return self.versions.loaded(source) or await asyncio.to_thread(self.versions.get, source)
