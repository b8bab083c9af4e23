"""Generation engines behind one streaming interface, created by name from a registry."""

from components.engines.base import (
    Engine,
    EngineError,
    EngineEvent,
    Finished,
    GenerationRequest,
    Grounding,
    TextDelta,
    Usage,
    count_tokens,
)
from components.engines.config import EngineConfig, EnginesConfig, OpenAIConfig, SimConfig, VLLMConfig
from components.engines.registry import (
    UnknownEngineError,
    create_engine,
    engine_names,
    register_engine,
    unregister_engine,
)

__all__ = [
    "Engine", "EngineConfig", "EngineError", "EngineEvent", "EnginesConfig", "Finished", "GenerationRequest",
    "Grounding", "OpenAIConfig", "SimConfig", "TextDelta", "UnknownEngineError", "Usage", "VLLMConfig",
    "count_tokens", "create_engine", "engine_names", "register_engine", "unregister_engine",
]
