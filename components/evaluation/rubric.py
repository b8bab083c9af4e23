"""The annotation rubric (data/eval/rubric.yaml): dimensions, scales, per-agent guidelines and assertions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["RUBRIC_FILE", "AgentGuideline", "Assertions", "Dimension", "Rubric", "RubricError", "load_rubric"]

RUBRIC_FILE = Path(__file__).resolve().parents[2] / "data" / "eval" / "rubric.yaml"
DIMENSIONS = ("overall_quality", "hallucination", "rai_violation", "coherence", "style")


class RubricError(ValueError):
    """The rubric file is malformed."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dimension(_Model):
    scale: list[int] | str = Field(description="[low, high] for a score, or 'binary'.")
    definition: str
    anchors: dict[int, str] = Field(default_factory=dict)
    good_at_least: int | None = None


class Assertions(_Model):
    min_words: int = 1
    max_words: int = 1000
    requires_any: list[str] = Field(default_factory=list, description="At least one of these words must appear.")
    forbidden: list[str] = Field(default_factory=list, description="Phrases that fail the answer outright.")
    min_list_items: int = 0
    mentions_context_name: bool = False


class AgentGuideline(_Model):
    guideline: str
    good_example: str
    bad_example: str
    assertions: Assertions = Field(default_factory=Assertions)


class CommonAssertions(_Model):
    language: str = "en"
    followups_distinct: bool = True


class Rubric(_Model):
    version: int
    dimensions: dict[str, Dimension]
    agents: dict[str, AgentGuideline]
    common_assertions: CommonAssertions = Field(default_factory=CommonAssertions)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:12]

    @property
    def ref(self) -> str:
        """Version and content digest: criteria are versioned with every score they produce."""
        return f"rubric-v{self.version}-{self.digest}"

    def guideline(self, agent: str) -> AgentGuideline:
        return self.agents.get(agent) or self.agents["general_knowledge"]


def load_rubric(path: Path = RUBRIC_FILE) -> Rubric:
    try:
        rubric = Rubric.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise RubricError(f"{path}: not a valid rubric: {exc}") from None
    missing = set(DIMENSIONS) - set(rubric.dimensions)
    if missing:
        raise RubricError(f"{path}: dimensions {sorted(missing)} are missing")
    return rubric
