"""Follow-ups that lean on their conversation (the rules are in `subject`): before routing, a question
with no topic of its own keeps the previous turn's agent, and one asked beside no page that refers back
is asked beside what the conversation was about."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from components.agents import AGENTS
from components.conversation_log import Conversation
from components.pipeline.events import AssistRequest, Context
from components.pipeline.subject import continues, refers_back

__all__ = ["Continuation", "History", "continue_conversation"]

logger = logging.getLogger(__name__)

History = list[tuple[str, str]]
# The request as routed, the agent to force (or None), the conversation so far (or None: not read), and
# whether the turn continues the previous one's agent
Continuation = tuple[AssistRequest, str | None, History | None, bool]


async def continue_conversation(request: AssistRequest, agent: str | None, history: History | None, *,
                                history_turns: int, conversation: Callable[[str], Conversation]) -> Continuation:
    """The request as a follow-up of its conversation, read with `conversation` (a thread: it reads a file)
    only for a question that needs it. The conversation read for it is the turn's history as well."""
    continuing, referring = continues(request.query), refers_back(request.query)
    if (history is not None or agent is not None or not request.conversation_id or not history_turns
            or not (continuing or (referring and request.context.type == "none"))):
        return request, agent, history, False
    read = await asyncio.to_thread(conversation, request.conversation_id)
    here = (request.context.type, request.context.id) if request.context.type != "none" else None
    subject = read.last_subject if continuing else read.subject
    if continuing and (read.last_agent not in AGENTS or here not in (None, subject)):
        continuing = False  # nothing to continue, or the member has moved to another page: route it
        subject = read.subject if referring else None
    if here is None and subject is not None:
        try:
            request = request.model_copy(update={"context": Context(type=subject[0], id=subject[1])})
        except ValueError:  # a history file edited by hand: the question is taken as it was asked
            logger.warning("conversation %s: ignoring an invalid subject %r", request.conversation_id, subject)
    return request, read.last_agent if continuing else None, read.turns, continuing
