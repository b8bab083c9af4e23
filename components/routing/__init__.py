"""Routing: the in-house model that picks one of the five agents or declines (out_of_scope)."""

from components.routing.devset import AGENTS, CONTEXT_TYPES
from components.routing.model import RouteDecision, Router, RouterLoadError, load_router

__all__ = ["AGENTS", "CONTEXT_TYPES", "RouteDecision", "Router", "RouterLoadError", "load_router"]
