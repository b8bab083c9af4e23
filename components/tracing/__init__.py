"""Tracing: every turn an MLflow trace, built from what the turn recorded and exported off the request path."""

from components.lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["SpanSpec", "TurnTrace", "turn_trace"], "components.tracing.spans"),
    **dict.fromkeys(["TraceExporter", "connect", "find_trace"], "components.tracing.exporter"),
    **dict.fromkeys(["assess_scored_turns"], "components.tracing.assessments"),
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
