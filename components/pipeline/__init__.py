"""The online request pipeline as plain async Python: route, plan and call skills, retrieve, generate."""

from components.pipeline.config import BudgetsConfig, PipelineConfig
from components.pipeline.events import AssistRequest, Context, Event
from components.pipeline.factory import build_pipeline, open_examples
from components.pipeline.pipeline import DECLINE_MESSAGE, Pipeline, Release, RequestError

__all__ = ["DECLINE_MESSAGE", "AssistRequest", "BudgetsConfig", "Context", "Event", "Pipeline", "PipelineConfig",
           "Release", "RequestError", "build_pipeline", "open_examples"]
