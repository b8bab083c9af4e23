"""HTTP protocol models: the Switchboard API and the OpenAI chat-completions subset it speaks."""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from components.pipeline.events import _ID, AssistRequest, Context, RequestError

__all__ = ["AssistRequest", "ChatCompletionRequest", "ChatMessage", "ErrorResponse", "FeedbackRequest",
           "chat_chunk", "chat_completion"]


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx body."""

    error: dict[str, str] = Field(description="`code` (machine-readable) and `message` (what to fix).")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    turn_id: str = Field(min_length=1, max_length=64, description="The turn_id from the done event.")
    rating: Literal["up", "down"] = Field(description="Thumbs up or down.")
    comment: str | None = Field(None, max_length=2000, description="What was good or wrong.")


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(part.get("text", "") for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    """POST /v1/chat/completions. `model` is "auto" (route) or an agent name (force it).

    Switchboard's own fields ride along as extra body fields (`extra_body` in the OpenAI client):
    `context`, `member_id`, `conversation_id`.
    """

    model: str = Field(description='"auto" or an agent name.')
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    max_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    user: str | None = None
    context: Context = Field(default_factory=Context)
    member_id: str | None = Field(None, max_length=64, pattern=_ID)
    conversation_id: str | None = Field(None, max_length=128, pattern=_ID)

    def history(self) -> list[tuple[str, str]] | None:
        """The (question, answer) pairs before the last user message: an OpenAI client sends the whole
        conversation each time and keeps no conversation_id. None when there are none."""
        last_question = max((i for i, m in enumerate(self.messages) if m.role == "user"), default=0)
        pairs, question = [], None
        for message in self.messages[:last_question]:
            if message.role == "user":
                question = message.text()
            elif message.role == "assistant" and question is not None:
                pairs.append((question, message.text()))
                question = None
        return pairs or None

    def to_assist(self) -> AssistRequest:
        query = next((m.text() for m in reversed(self.messages) if m.role == "user"), "")
        try:
            return AssistRequest(query=query or " ", conversation_id=self.conversation_id,
                                 member_id=self.member_id, context=self.context)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RequestError(422, "invalid_request", f"messages: {first['msg']}") from None


def _base(model: str, completion_id: str, kind: str) -> dict[str, Any]:
    return {"id": completion_id, "object": kind, "created": int(time.time()), "model": model}


def chat_completion(model: str, answer: str, prompt_tokens: int, completion_tokens: int,
                    completion_id: str | None = None) -> dict[str, Any]:
    return {**_base(model, completion_id or f"chatcmpl-{uuid.uuid4().hex}", "chat.completion"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def chat_chunk(model: str, completion_id: str, content: str | None = None, finish_reason: str | None = None,
               role: str | None = None) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    return {**_base(model, completion_id, "chat.completion.chunk"),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def model_list(names: list[str], created: int) -> dict[str, Any]:
    """GET /v1/models: what `model` may name, as OpenAI lists models (clients and chat UIs read it first)."""
    return {"object": "list", "data": [{"id": name, "object": "model", "created": created, "owned_by": "switchboard"}
                                       for name in names]}
