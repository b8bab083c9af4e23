"""Runs conversations through a pipeline, turn by turn with their history: the one way every offline
job (promotion's evaluation, the skew check's nondeterminism probe) runs a validation set."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from components.pipeline import AssistRequest, Event, Pipeline

__all__ = ["ConversationTurn", "run_conversations"]


@dataclass(frozen=True)
class ConversationTurn:
    key: str                # "<conversation id>/<turn index>/<repeat>"
    turn: dict[str, Any]    # the validation set's turn: query, context, member_id, expected_agent, ...
    events: list[Event]     # everything the pipeline streamed; the last one is terminal

    @property
    def done(self) -> Any | None:
        """The `done` event's data, or None when the turn ended in an error."""
        last = self.events[-1]
        return last.data if last.name == "done" else None


async def run_conversations(pipeline: Pipeline, conversations: list[dict], repeats: int = 1,
                            concurrency: int = 1) -> list[ConversationTurn]:
    """Every conversation `repeats` times; each repeat is a new conversation, so history never leaks across.

    Up to `concurrency` conversations run at once (a real engine batches their requests); the turns of one
    conversation go in order, each with the ones before it as history. Rows come in the same order either way.
    """
    slots = asyncio.Semaphore(concurrency)

    async def one(conversation: dict, repeat: int) -> list[ConversationTurn]:
        conversation_id = f"{conversation['id']}-{repeat}-{uuid.uuid4().hex[:6]}"
        turns = []
        async with slots:
            for index, turn in enumerate(conversation["turns"]):
                request = AssistRequest(query=turn["query"], context=turn["context"], member_id=turn.get("member_id"),
                                        conversation_id=conversation_id)
                events = [event async for event in pipeline.run(request)]
                turns.append(ConversationTurn(f"{conversation['id']}/{index}/{repeat}", turn, events))
        return turns

    runs = await asyncio.gather(*(one(conversation, repeat) for repeat in range(repeats)
                                  for conversation in conversations))
    return [turn for run in runs for turn in run]
