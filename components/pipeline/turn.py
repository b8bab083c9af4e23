"""What serves (a Release) and what a turn has done so far (TurnState): the values the stages pass along."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from components.engines import Engine
from components.names import OUT_OF_SCOPE
from components.pipeline.events import AssistRequest, ErrorData, Timings, TrustData
from components.prompts import PromptLibrary
from components.retrieval import Example, ExampleIndex
from components.skills import SkillResult

__all__ = ["Release", "TurnState"]


@dataclass(frozen=True)
class Release:
    """What serves: the router, engines and prompts of one set of versions.

    A turn takes the release current when it starts and uses it to the end, so a swap (an alias moved in
    MLflow) never mixes two versions within a turn. `sampling` holds per-role request settings from the
    model pins (temperature, top_p, max_tokens); `versions` is what `done` and the log report.
    """

    router: Any
    planner: Engine
    generator: Engine
    prompts: PromptLibrary
    versions: dict[str, str] = field(default_factory=dict)
    sampling: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class TurnState:
    """What a turn has done so far: what the log record and the done event are made of."""

    request: AssistRequest
    conversation_id: str
    turn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.perf_counter)
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    stages: dict[str, float] = field(default_factory=dict)
    agent: str = OUT_OF_SCOPE
    confidence: float = 0.0
    in_scope: bool = False
    plan_text: str = ""
    plan_source: str = "none"
    plan_repairs: list[str] = field(default_factory=list)
    results: list[SkillResult] = field(default_factory=list)
    skill_ended_ms: list[float] = field(default_factory=list)  # when each of `results` came back (its trace span)
    examples: list[Example] = field(default_factory=list)
    answer: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    trust: TrustData = field(default_factory=lambda: TrustData(action="allow"))
    degraded: str | None = None
    failed_skills: list[str] = field(default_factory=list)  # called but not answered (not "not found")
    error: ErrorData | None = None
    first_delta: float | None = None
    delta_times: list[float] = field(default_factory=list)
    logged: bool = False
    forced_agent: str | None = None
    continued: bool = False  # forced_agent is the previous turn's: a follow-up with no topic of its own
    previous_agent: str | None = None  # the conversation's previous agent, which a conversational router weighs
    default_plan: str = ""  # the agent's deterministic plan, as YAML: the planner's fallback and grounding
    timings: Timings | None = None  # sealed once, when the turn finishes: the log and `done` agree
    versions: dict[str, str] = field(default_factory=dict)
    release: Release | None = None
    router_version: str = "unknown"
    followups: list[str] = field(default_factory=list)
    examples_index: ExampleIndex | None = None  # the examples table version this turn retrieves from
    history: list | None = None  # the conversation so far, as it stood when the turn started
    history_read: asyncio.Future | None = None  # reading `history` from the conversation log
    shadow_of: str | None = None  # set on a shadow turn: the live turn it shadows
    routing: Any = None  # the route decision (or its future) `open` asked for while it checked the ids
    query_vectors: dict | None = None  # per agent, embedded while a remote router answered (retrieval's input)

    def mark(self, stage: str) -> None:
        self.stages[stage] = round((time.perf_counter() - self.started) * 1000, 3)

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 3)
