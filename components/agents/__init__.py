"""Agents: the five specialists the router chooses between."""

from components.agents.catalog import AGENTS, ANYWHERE_FOLLOWUPS, OUT_OF_SCOPE, get_agent
from components.agents.spec import Agent, Turn, plan_yaml

__all__ = ["AGENTS", "ANYWHERE_FOLLOWUPS", "OUT_OF_SCOPE", "Agent", "Turn", "get_agent", "plan_yaml"]
