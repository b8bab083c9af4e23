"""The generator deployment: the configured engine, and the engines model pins select; the only one meant to
ask for a GPU (config serve.generator.num_gpus)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from ray import serve

from components.engines import EngineConfig, EngineEvent, GenerationRequest
from components.versions.pools import EnginePool

__all__ = ["GeneratorDeployment"]


@serve.deployment(name="generator")
class GeneratorDeployment:
    """Wraps the configured engine; a model pin from the agent's release selects the engine per request.

    `pinned_releases`: true when an MLflow registry names the models (every request then carries a pin, so
    the configured engine is loaded only if one does not); `keep`: how many engines may stay loaded.
    """

    def __init__(self, engine: dict, pinned_releases: bool = False, keep: int = 2) -> None:
        self.engines = EnginePool(EngineConfig.model_validate(engine), keep=keep, load_base=not pinned_releases)

    async def prepare(self, pin: dict | None) -> None:
        """Loads a pinned engine before a release that uses it serves (raising if it cannot)."""
        await self.engines.load(pin)

    async def generate(self, request: GenerationRequest, pin: dict | None = None) -> AsyncIterator[EngineEvent]:
        async with self.engines.lease(pin) as engine:
            async for event in engine.generate(request):
                yield event

    async def loaded(self) -> list[str]:
        """The models this replica holds now (for operators and the tests)."""
        return [engine.model for engine in self.engines.loaded()]

    async def check_health(self) -> None:  # Serve restarts a replica whose engine is unhealthy
        await self.engines.check_health()
