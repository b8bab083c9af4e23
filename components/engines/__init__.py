"""Generation engines behind one streaming interface, created by name from a registry."""

from components.lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["Engine", "EngineError", "EngineEvent", "Finished", "GenerationRequest", "Grounding", "TextDelta",
                     "Usage", "count_tokens"], "components.engines.base"),
    **dict.fromkeys(["EngineConfig", "EnginesConfig", "OpenAIConfig", "SimConfig", "VLLMConfig"],
                    "components.engines.config"),
    **dict.fromkeys(["ACCELERATOR_ENGINES", "UnknownEngineError", "create_engine", "engine_model", "engine_names",
                     "register_engine", "unregister_engine"],
                    "components.engines.registry"),
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
