"""Follow-ups that lean on their conversation (the rules are in `subject`): before routing, a question asked
beside no page that refers back is asked beside what the conversation was about, and the previous turn's
agent goes to the router. A conversational router (components/routing/embedded.py) weighs that agent as a
feature: "What else?" or "And the salary?" route from the conversation, a full question on its own words.
A router without that feature gets the word lists instead: a question with no topic of its own keeps the
previous turn's agent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import NamedTuple

from components.agents import AGENTS
from components.conversation_log import Conversation
from components.names import PREVIOUS
from components.pipeline.events import AssistRequest, Context
from components.pipeline.subject import continues, refers_back

__all__ = ["Continuation", "History", "continue_conversation"]

logger = logging.getLogger(__name__)

History = list[tuple[str, str]]


class Continuation(NamedTuple):
    request: AssistRequest  # as routed: beside the conversation's subject when it refers back to it
    agent: str | None  # the agent to force, or None
    history: History | None  # the conversation so far, or None: not read
    continued: bool  # whether the turn keeps the previous one's agent by the word lists
    previous_agent: str | None = None  # the previous turn's agent, for a conversational router


async def continue_conversation(request: AssistRequest, agent: str | None, history: History | None, *,
                                history_turns: int, conversation: Callable[[str], Conversation],
                                conversational: bool = False) -> Continuation:
    """The request as a follow-up of its conversation, read with `conversation` (a thread: it reads a file)
    only for a question that needs it (every question of a conversation, for a `conversational` router). The
    conversation read for it is the turn's history as well."""
    continuing, referring = continues(request.query), refers_back(request.query)
    needed = conversational or continuing or (referring and request.context.type == "none")
    if history is not None or agent is not None or not request.conversation_id or not history_turns or not needed:
        return Continuation(request, agent, history, False)
    read = await asyncio.to_thread(conversation, request.conversation_id)
    here = (request.context.type, request.context.id) if request.context.type != "none" else None
    subject = read.last_subject if continuing else read.subject if referring else None
    if continuing and (read.last_agent not in AGENTS or here not in (None, subject)):
        continuing = False  # nothing to continue, or the member has moved to another page: route it
        subject = read.subject if referring else None
    if here is None and subject is not None:
        try:
            request = request.model_copy(update={"context": Context(type=subject[0], id=subject[1])})
        except ValueError:  # a history file edited by hand: the question is taken as it was asked
            logger.warning("conversation %s: ignoring an invalid subject %r", request.conversation_id, subject)
    if conversational:  # the model decides; the word lists only chose the subject above
        previous = read.last_agent if read.last_agent in PREVIOUS else None
        return Continuation(request, None, read.turns, False, previous)
    return Continuation(request, read.last_agent if continuing else None, read.turns, continuing)
