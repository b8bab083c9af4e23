"""The generation-engine interface every engine implements.

Streaming contract: `generate(request)` is an async iterator that yields zero or more `TextDelta`
and then exactly one `Finished` (token usage, time to first token, finish reason). On failure it
raises `EngineError`, possibly after some deltas; it never yields after `Finished`. Cancelling the
iteration (the caller's timeout, a client that went away) must release the request's resources: an
engine that holds them elsewhere (vLLM's scheduler) aborts the request in its `finally`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

from components.skills import UNAVAILABLE, SkillResult

__all__ = [
    "Engine", "EngineError", "EngineEvent", "Finished", "GenerationRequest", "Grounding", "StreamClock", "TextDelta",
    "Usage", "count_tokens",
]

Task = Literal["plan", "answer", "judge"]


class EngineError(RuntimeError):
    """An engine failed to produce (the rest of) a stream; the message says why."""


@dataclass(frozen=True)
class Grounding:
    """What the answer may rest on. CPU engines (extractive, sim) read it; LLM engines get it in the prompt."""

    agent: str
    query: str
    context_type: str = "none"
    context_id: str | None = None
    member_id: str | None = None
    results: tuple[SkillResult, ...] = ()
    default_plan: str = ""  # the agent's deterministic plan, as YAML
    # What the member is told when a call could not be answered (skills.unavailable_notice): an answer
    # that rests on such a call says this instead of "there is none".
    notice: str = ""

    def data(self, skill: str) -> Any:
        """The data of the first successful call of `skill`, or None."""
        return next((r.data for r in self.results if r.skill == skill and r.status == "done"), None)

    def unanswered(self, *skills: str) -> bool:
        """Whether a call of one of `skills` failed for a reason other than "not found": its absence from
        the dossier says nothing about the world."""
        return any(r.skill in skills and r.unanswered for r in self.results)

    @property
    def unavailable(self) -> str:
        """The notice, or a plain one where the caller computed none (it names no skill: no registry here)."""
        return self.notice or UNAVAILABLE


@dataclass(frozen=True)
class GenerationRequest:
    request_id: str
    task: Task
    prompt: str
    grounding: Grounding
    system: str = ""
    max_tokens: int = 600
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    # A JSON schema the output must follow, for engines that can hold a model to one (vLLM's structured
    # outputs); the others ignore it, and the defensive parser reads what they write.
    json_schema: dict | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Finished:
    usage: Usage
    ttft_ms: float | None
    total_ms: float
    finish_reason: str = "stop"
    extra: dict[str, Any] = field(default_factory=dict)


EngineEvent = TextDelta | Finished


def count_tokens(text: str) -> int:
    """A rough, dependency-free token count (words and punctuation), used where no tokenizer exists."""
    return max(1, len(text.split()) + sum(text.count(p) for p in ",.;:!?")) if text else 0


class Engine(ABC):
    """An engine for one role (planner, generator, judge)."""

    name: str = "engine"
    model: str = ""

    @abstractmethod
    def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        """See the module docstring for the streaming contract."""

    async def check_health(self) -> None:  # noqa: B027 - optional hook
        """Raises EngineError when the engine cannot serve."""

    async def abort(self, request_id: str) -> None:  # noqa: B027 - optional hook
        """Stops a running request early; a no-op where cancelling the iterator suffices."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Releases the engine's resources."""


class StreamClock:
    """Times a stream for its Finished event: start, first token, end. Shared by the engines."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: float | None = None

    def token(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def finished(self, prompt: str, completion: str, reason: str = "stop", **extra: Any) -> Finished:
        now = time.perf_counter()
        return Finished(Usage(count_tokens(prompt), count_tokens(completion)),
                        None if self.first is None else (self.first - self.started) * 1000,
                        (now - self.started) * 1000, reason, extra)
