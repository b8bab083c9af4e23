"""Agents: the five specialists the router chooses between."""

from components.agents.catalog import AGENTS, ANYWHERE_FOLLOWUPS, OUT_OF_SCOPE, UnknownAgentError, get_agent
from components.agents.spec import PAGE_RECORDS, Agent, Turn, plan_yaml

__all__ = ["AGENTS", "ANYWHERE_FOLLOWUPS", "OUT_OF_SCOPE", "PAGE_RECORDS", "Agent", "Turn", "UnknownAgentError",
           "get_agent", "plan_yaml"]
