"""The names every layer shares, once: the five agents and the router's decline (a contract of
DESIGN.md), and the kinds of page a member asks beside. No imports, so that routing, the HTTP
protocol, the skew check and the agents' catalog can all read it without reading one another.
"""

from __future__ import annotations

__all__ = ["AGENT_NAMES", "CONTEXT_TYPES", "NO_PREVIOUS", "OUT_OF_SCOPE", "PAGE_TYPES", "PREVIOUS", "ROUTES"]

AGENT_NAMES = ("general_knowledge", "job_assessment", "post_takeaways", "company_understanding", "career_advice")
OUT_OF_SCOPE = "out_of_scope"
ROUTES = (*AGENT_NAMES, OUT_OF_SCOPE)  # what the router may answer
NO_PREVIOUS = "none"  # a conversation's first turn, or a turn outside one
# The previous turn's agent, as a conversational router reads it: its order is a fitted router's columns.
PREVIOUS = (*ROUTES, NO_PREVIOUS)

PAGE_TYPES = ("post", "job", "company", "profile")
# The order is part of a fitted router: its page features are one column per type, in this order.
CONTEXT_TYPES = (*PAGE_TYPES, "none")
