"""The generator deployment: the configured engine, and the engines model pins select; the only one meant to
ask for a GPU (config serve.generator.num_gpus)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ray import serve

from components.engines import EngineConfig, EngineEvent, GenerationRequest, create_engine
from components.versions.pools import PinnedEngines

__all__ = ["GeneratorDeployment"]


@serve.deployment(name="generator")
class GeneratorDeployment:
    """Wraps the configured engine; a model pin from the agent's release selects the engine per request."""

    def __init__(self, engine: dict) -> None:
        self.base = EngineConfig.model_validate(engine)
        self.engine = create_engine(self.base)
        self.pinned = PinnedEngines(self.base)

    async def prepare(self, pin: dict | None) -> None:
        """Loads a pinned engine before a release that uses it serves (raising if it cannot)."""
        if pin is not None:
            self.pinned.get(pin)

    async def generate(self, request: GenerationRequest, pin: dict | None = None) -> AsyncIterator[EngineEvent]:
        engine = self.engine if pin is None else self.pinned.get(pin)
        async for event in engine.generate(request):
            yield event

    async def check_health(self) -> None:  # Serve restarts a replica whose engine is unhealthy
        await self.engine.check_health()
