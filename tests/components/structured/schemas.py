"""Schemas the corpus is parsed into: a planner's plan and the shapes agents ask LLMs for."""

from typing import Any, Literal

from pydantic import BaseModel, Field


class Call(BaseModel):
    skill: str
    params: dict[str, Any] = Field(default_factory=dict)


class Plan(BaseModel):
    calls: list[Call]


class JobFilter(BaseModel):
    keywords: list[str] = []
    min_salary: int | None = None
    max_salary: int | None = None
    remote: bool | None = None
    seniority: Literal["entry", "mid", "senior", "lead"] | None = None
    locations: list[str] = []


class Assessment(BaseModel):
    fit_score: int = Field(ge=1, le=5)
    verdict: Literal["strong_fit", "partial_fit", "weak_fit"]
    matched: list[str]
    missing: list[str] = []
    next_steps: list[str] = []
    summary: str


class Settings(BaseModel):
    version: str
    commit: str = ""
    answer: str = ""
    enabled: bool = False
    ratio: float | None = None


class Intent(BaseModel):
    intent: Literal["job_search", "career_advice", "company_research"]
    confidence: float = Field(ge=0, le=1)


class Location(BaseModel):
    city: str
    country: str


class Company(BaseModel):
    name: str
    headquarters: Location
    employees: int | None = None


class Step(BaseModel):
    name: str
    retries: int = 0


class Stage(BaseModel):
    stage: str
    steps: list[Step]


class Release(BaseModel):
    """A release plan: an integer version (often written "v7") and nested lists of named items."""

    version: int
    build: int | None = None
    stages: list[Stage] = []
