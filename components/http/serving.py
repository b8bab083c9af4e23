"""The logic behind the routes: validate, stream a turn as SSE or as OpenAI chunks, record feedback.

A serving object works with anything that runs turns (`TurnService`): the in-process Pipeline, or
in Ray Serve an adapter over the agent deployment's handle. Metrics are observed from the events as
they pass, so they count exactly what members saw.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Protocol

from components.agents import AGENTS
from components.engines import count_tokens
from components.http.metrics import Metrics
from components.http.protocol import ChatCompletionRequest, chat_chunk, chat_completion, model_list
from components.pipeline.events import AssistRequest, Event, RequestError

__all__ = ["AssistServing", "ChatServing", "TurnService"]


class TurnService(Protocol):
    async def open(self, request: AssistRequest, agent: str | None = None,
                   history: list[tuple[str, str]] | None = None) -> AsyncIterator[Event]:
        """Raises RequestError for a request to refuse; else returns the turn's events. `history`: the
        conversation so far as (question, answer) pairs, when the client sends it."""

    async def feedback(self, turn_id: str, rating: str, comment: str | None = None) -> bool: ...

    async def page(self, kind: str, ident: str) -> dict[str, Any]:
        """The page's record as its skill reads it; RequestError 404 for none, 503 when unavailable."""

    async def ready(self) -> dict[str, str]: ...


def _sse(name: str, payload: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


class AssistServing:
    """POST /v1/assist: validates, then streams the turn's events as server-sent events."""

    def __init__(self, turns: TurnService, metrics: Metrics | None = None, max_in_flight: int = 64) -> None:
        self.turns, self.metrics = turns, metrics or Metrics()
        self.max_in_flight, self.in_flight = max_in_flight, 0

    async def open(self, request: AssistRequest, agent: str | None = None,
                   history: list[tuple[str, str]] | None = None) -> AsyncIterator[Event]:
        """Admits and validates the turn, or raises RequestError (429 when full, 4xx when invalid),
        before any byte of the response is sent. An admitted turn holds its slot until its events end.
        """
        if self.in_flight >= self.max_in_flight:
            raise RequestError(429, "overloaded", f"{self.in_flight} turns in flight (limit {self.max_in_flight})")
        self.in_flight += 1
        self.metrics.in_flight.set(self.in_flight)
        try:
            stream = await self.turns.open(request, agent, history)
        except BaseException:
            self._release()
            raise
        return self._observed(stream, agent)

    def _release(self) -> None:
        self.in_flight -= 1
        self.metrics.in_flight.set(self.in_flight)

    async def _observed(self, stream: AsyncIterator[Event], agent: str | None) -> AsyncIterator[Event]:
        routed = agent or "unrouted"
        try:
            async for event in stream:
                if event.name == "route":
                    routed = event.payload()["agent"]
                self.metrics.observe(event, routed)
                yield event
        finally:
            self._release()

    @staticmethod
    async def sse(events: AsyncIterator[Event]) -> AsyncIterator[str]:
        async for event in events:
            yield _sse(event.name, event.payload())


class ChatServing:
    """POST /v1/chat/completions, OpenAI-compatible, streaming and not."""

    def __init__(self, assist: AssistServing) -> None:
        self.assist = assist
        self.started = int(time.time())

    def models(self) -> dict[str, Any]:
        """"auto" (the router picks) and each agent, which a request's `model` may force."""
        return model_list(["auto", *AGENTS], self.started)

    @staticmethod
    def agent_for(request: ChatCompletionRequest) -> str | None:
        return None if request.model == "auto" else request.model

    async def open(self, request: ChatCompletionRequest) -> tuple[AssistRequest, AsyncIterator[Event]]:
        assist = request.to_assist()
        return assist, await self.assist.open(assist, self.agent_for(request), request.history())

    async def complete(self, request: ChatCompletionRequest, assist: AssistRequest,
                       events: AsyncIterator[Event]) -> dict[str, Any]:
        answer, error = "", None
        async for event in events:
            if event.name == "done":
                answer = event.payload()["answer"]
            elif event.name == "error":
                error = event.payload()
        if error:
            raise RequestError(500, error["code"], error["message"])
        return chat_completion(request.model, answer, count_tokens(assist.query), count_tokens(answer))

    async def stream(self, request: ChatCompletionRequest, events: AsyncIterator[Event]) -> AsyncIterator[str]:
        completion_id, model = f"chatcmpl-{uuid.uuid4().hex}", request.model
        yield f"data: {json.dumps(chat_chunk(model, completion_id, role='assistant', content=''))}\n\n"
        sent = ""
        async for event in events:
            data = event.payload()
            if event.name == "delta":
                sent += data["text"]
                yield f"data: {json.dumps(chat_chunk(model, completion_id, content=data['text']))}\n\n"
            elif event.name == "done":
                if data["answer"] != sent:  # a trust block replaced what was streamed: send the final words
                    rest = data["answer"][len(sent):] if data["answer"].startswith(sent) else "\n" + data["answer"]
                    yield f"data: {json.dumps(chat_chunk(model, completion_id, content=rest))}\n\n"
                yield f"data: {json.dumps(chat_chunk(model, completion_id, finish_reason='stop'))}\n\n"
            elif event.name == "error":
                yield f"data: {json.dumps({'error': {'code': data['code'], 'message': data['message']}})}\n\n"
        yield "data: [DONE]\n\n"

