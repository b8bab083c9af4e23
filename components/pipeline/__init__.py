"""The online request pipeline as plain async Python: route, plan and call skills, retrieve, generate."""

from components.lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["BudgetsConfig", "PipelineConfig"], "components.pipeline.config"),
    **dict.fromkeys(["AssistRequest", "Context", "Event", "RequestError"], "components.pipeline.events"),
    **dict.fromkeys(["build_pipeline", "open_examples"], "components.pipeline.factory"),
    **dict.fromkeys(["DECLINE_MESSAGE", "Pipeline", "Release"], "components.pipeline.pipeline"),
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
