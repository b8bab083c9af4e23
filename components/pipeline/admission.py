"""Admission: what a request must be before a turn starts, and the page records it names.

Every refusal is a RequestError that says what the member should fix: an empty or long query, an
unknown agent, a page type without an id, an id no API knows. An API that cannot be reached proves
nothing about an id, so it refuses nothing here: the turn runs and says what it could not read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from components.agents import AGENTS, PAGE_RECORDS
from components.pipeline.events import AssistRequest, RequestError
from components.skills import SkillCall, SkillInvoker, SkillResult

__all__ = ["check_ids", "check_request", "read_page"]


def check_request(request: AssistRequest, agent: str | None, max_query_chars: int) -> None:
    """The checks that need no API: RequestError for the first that fails."""
    if not request.query.strip():
        raise RequestError(422, "empty_query", "query must contain text")
    if len(request.query) > max_query_chars:
        raise RequestError(422, "query_too_long",
                           f"query has {len(request.query)} characters; the limit is {max_query_chars}")
    if agent is not None and agent not in AGENTS:
        raise RequestError(404, "unknown_agent", f"unknown agent '{agent}'; agents: auto, {', '.join(AGENTS)}")
    if request.context.type != "none" and not request.context.id:
        raise RequestError(422, "missing_context_id", f"context type '{request.context.type}' needs an id")


async def check_ids(skills: SkillInvoker, request: AssistRequest) -> None:
    """RequestError 404 for a page or member id the APIs answer they do not know."""
    context = request.context
    checks = [(context.type, context.id)] if context.type != "none" else []
    if request.member_id:
        checks.append(("profile", request.member_id))
    # side by side: two records the cache does not hold cost one round trip, not two; the page's refusal first
    for outcome in await asyncio.gather(*(_read_record(skills, kind, ident) for kind, ident in checks),
                                        return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


async def read_page(skills: SkillInvoker, kind: str, ident: str) -> dict[str, Any]:
    """The record of a page a member asks beside, read by the skill that reads it in a turn (the chat
    page's card). RequestError: 404 for none, 503 when its API cannot answer now, 422 for a bad kind."""
    if kind not in PAGE_RECORDS:
        raise RequestError(422, "unknown_page_type", f"unknown page type '{kind}'; types: {', '.join(PAGE_RECORDS)}")
    result = await _read_record(skills, kind, ident)
    if result.status == "failed":
        status, code = (422, "invalid_page") if result.failure == "rejected" else (503, "page_unavailable")
        raise RequestError(status, code, f"the {kind} could not be read: {result.error}")
    return result.data


async def _read_record(skills: SkillInvoker, kind: str, ident: str) -> SkillResult:
    """The page's record as its skill reads it; RequestError 404 when the API answers there is none (an API
    that cannot be reached proves nothing: the caller decides)."""
    skill, parameter = PAGE_RECORDS[kind]
    result = await skills.invoke(SkillCall(skill=skill, params={parameter: ident}))
    if result.failure == "not_found":
        raise RequestError(404, f"unknown_{kind}", f"no {kind} with id '{ident}'")
    return result
