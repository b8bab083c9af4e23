"""The HTTP API in three layers: protocol models, serving classes, routes (no Ray: Serve wraps it)."""

from components.http.api_server import build_api_server
from components.http.serving import AssistServing, ChatServing, Metrics, TurnService

__all__ = ["AssistServing", "ChatServing", "Metrics", "TurnService", "build_api_server"]
