"""The HTTP API in three layers: protocol models, serving classes, routes (no Ray: Serve wraps it)."""

from components.http.api_server import build_api_server
from components.http.metrics import MetricMirror, Metrics, MetricSpec
from components.http.serving import AssistServing, ChatServing, TurnService

__all__ = ["AssistServing", "ChatServing", "MetricMirror", "MetricSpec", "Metrics", "TurnService", "build_api_server"]
