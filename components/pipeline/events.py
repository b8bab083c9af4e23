"""The events of a turn, exactly as the HTTP contract of DESIGN.md names them.

A turn is `route`, then `skill`/`plan` events as the plan streams and its calls run, then `delta`
events (with `trust` if a check acts), `attachment`s, `followups`, and exactly one terminal event:
`done` or `error`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

from components.names import CONTEXT_TYPES

__all__ = [
    "AssistRequest", "AttachmentData", "Context", "DeltaData", "DoneData", "ErrorData", "Event", "FollowupsData",
    "PlanData", "RequestError", "RouteData", "SkillData", "Timings", "TrustData",
]

ContextType = Literal[CONTEXT_TYPES]
_ID = r"^[A-Za-z0-9_.:-]+$"


def _unicode(text: str) -> str:
    """Lone surrogates are not text: they cannot be logged, sent to an API or shown."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text is not valid Unicode (it holds a lone surrogate)") from None
    return text


Text = Annotated[str, AfterValidator(_unicode)]


class Context(BaseModel):
    type: ContextType = Field("none", description="What the member is looking at.")
    id: str | None = Field(None, max_length=64, pattern=_ID, description="The id of that post, job, company or "
                                                                         "profile (letters, digits, _ . : -).")


class AssistRequest(BaseModel):
    """POST /v1/assist (contract)."""

    query: Text = Field(min_length=1, description="The member's question.")
    conversation_id: str | None = Field(None, max_length=128, pattern=_ID, description="Continue this conversation.")
    member_id: str | None = Field(None, max_length=64, pattern=_ID,
                                  description="The asking member, for personal answers.")
    context: Context = Field(default_factory=Context, description="Where the question is asked.")


class RouteData(BaseModel):
    agent: str
    confidence: float
    in_scope: bool


class PlanData(BaseModel):
    calls: list[dict[str, Any]]
    repairs: list[str]
    source: Literal["planner", "default", "none"] = "planner"
    errors: list[str] = Field(default_factory=list)


class SkillData(BaseModel):
    name: str
    params: dict[str, Any]
    status: Literal["started", "done", "failed"]
    latency_ms: float | None = None
    error: str | None = None
    failure: Literal["not_found", "unavailable", "rejected"] | None = Field(
        None, description="Why a failed call failed: not_found (there is none) or the API could not answer it.")


class DeltaData(BaseModel):
    text: str


class AttachmentData(BaseModel):
    kind: Literal["profile", "job", "company", "article", "post"]
    id: str
    title: str
    url: str


class TrustData(BaseModel):
    action: Literal["allow", "block", "rewrite"]
    category: str | None = None
    message: str | None = None


class FollowupsData(BaseModel):
    suggestions: list[str]


class Timings(BaseModel):
    ttft_ms: float | None
    total_ms: float
    stages: dict[str, float]


class DoneData(BaseModel):
    conversation_id: str
    turn_id: str
    answer: str
    timings: Timings
    versions: dict[str, str]
    degraded: str | None = Field(None, description="Why the generator was replaced by the extractive answer.")
    partial: bool = Field(False, description="Some skills could not answer (unreachable, timed out, failed): the "
                                             "answer says so and may lack what they would have said.")
    failed_skills: list[str] = Field(default_factory=list, description="Those skills, in call order.")


class ErrorData(BaseModel):
    code: str
    message: str



class RequestError(ValueError):
    """A request the pipeline will not start: the HTTP layer answers `status` with this message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


@dataclass(frozen=True)
class Event:
    name: Literal["route", "plan", "skill", "delta", "attachment", "trust", "followups", "done", "error"]
    data: BaseModel

    @property
    def terminal(self) -> bool:
        return self.name in ("done", "error")

    def payload(self) -> dict[str, Any]:
        return self.data.model_dump(mode="json")

    def sse(self) -> str:
        return f"event: {self.name}\ndata: {json.dumps(self.payload(), ensure_ascii=False)}\n\n"
