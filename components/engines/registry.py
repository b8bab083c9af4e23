"""Engines by name. Built-ins register like any plugin; unknown names raise a clear error.

    register_engine("my_engine", lambda config: MyEngine(config))
    engine = create_engine(EngineConfig(kind="my_engine"))
"""

from __future__ import annotations

from collections.abc import Callable

from components.engines.base import Engine
from components.engines.config import EngineConfig

__all__ = ["ACCELERATOR_ENGINES", "UnknownEngineError", "create_engine", "engine_model", "engine_names",
           "register_engine", "unregister_engine"]

EngineFactory = Callable[[EngineConfig], Engine]
# Engines that hold a model on the accelerator, in the generator deployment's environment: a planner on one
# plans through that deployment (one copy of the weights), and an offline evaluation generates there too.
ACCELERATOR_ENGINES = frozenset({"vllm"})
_FACTORIES: dict[str, EngineFactory] = {}


class UnknownEngineError(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown engine '{name}'; registered engines: {', '.join(sorted(_FACTORIES))}")

    def __str__(self) -> str:
        return str(self.args[0])


def register_engine(name: str, factory: EngineFactory, *, replace: bool = False) -> None:
    if name in _FACTORIES and not replace:
        raise ValueError(f"engine '{name}' is already registered (pass replace=True to override it)")
    _FACTORIES[name] = factory


def unregister_engine(name: str) -> None:
    if _FACTORIES.pop(name, None) is None:
        raise UnknownEngineError(name)


def engine_names() -> list[str]:
    return sorted(_FACTORIES)


def create_engine(config: EngineConfig) -> Engine:
    if config.kind not in _FACTORIES:
        raise UnknownEngineError(config.kind)
    return _FACTORIES[config.kind](config)


def engine_model(config: EngineConfig) -> str:
    """The model `config` names, without loading it: its settings' `model` (openai, vllm), or else what an
    engine of that kind reports (cheap to make: extractive, sim, a plugin without settings of its own)."""
    settings = getattr(config, config.kind, None)
    if isinstance(getattr(settings, "model", None), str):
        revision = getattr(settings, "revision", None)  # as the vllm engine names itself: the weights' exact pin
        return f"{settings.model}@{revision}" if revision and config.kind == "vllm" else settings.model
    return create_engine(config).model


def _register_builtins() -> None:
    # Each factory imports its module lazily, so engine-specific imports (httpx streaming, vLLM)
    # are only paid for by the engines in use.
    def extractive(config: EngineConfig) -> Engine:
        from components.engines.extractive import ExtractiveEngine
        return ExtractiveEngine()

    def sim(config: EngineConfig) -> Engine:
        from components.engines.sim import SimEngine
        return SimEngine(config.sim)

    def openai(config: EngineConfig) -> Engine:
        from components.engines.openai_compatible import OpenAICompatibleEngine
        return OpenAICompatibleEngine(config.openai)

    def vllm(config: EngineConfig) -> Engine:
        from components.engines.vllm_engine import VLLMEngine
        return VLLMEngine(config.vllm)

    for name, factory in (("extractive", extractive), ("sim", sim), ("openai", openai), ("vllm", vllm)):
        register_engine(name, factory)


_register_builtins()
