"""What an agent is: the skills it may use, its prompts, a deterministic plan, follow-up suggestions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import yaml

from components.engines import Grounding
from components.names import PAGE_TYPES
from components.skills import SkillCall, SkillResult

__all__ = ["PAGE_RECORDS", "Agent", "Turn", "plan_yaml"]

# The skill that reads each kind of page, and its id parameter
PAGE_RECORDS = {"job": ("job_view", "job_id"), "post": ("post_view", "post_id"),
                "company": ("company_view", "company_id"), "profile": ("profile_view", "member_id")}
if set(PAGE_RECORDS) != set(PAGE_TYPES):
    raise RuntimeError(f"PAGE_RECORDS reads {sorted(PAGE_RECORDS)}; components.names has {sorted(PAGE_TYPES)}")

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: the same text, a fifth of the time per turn


@dataclass(frozen=True)
class Turn:
    """The member's question and where they asked it."""

    query: str
    context_type: str = "none"
    context_id: str | None = None
    member_id: str | None = None

    def describe_context(self) -> str:
        if self.context_type == "none" or not self.context_id:
            return "none"
        return f"{self.context_type} {self.context_id}"


@dataclass(frozen=True)
class Agent:
    name: str
    description: str
    skills: tuple[str, ...]
    default_plan: Callable[[Turn], list[SkillCall]]
    followups: Callable[[Turn, Grounding], list[str]]
    # Calls that need what the plan's calls returned (the company of the job beside the question), made
    # once they are all done, whoever planned them: a plan's calls run side by side and cannot chain.
    then: Callable[[Turn, list[SkillResult]], list[SkillCall]] | None = None

    @property
    def planner_prompt(self) -> str:
        return f"{self.name}.planner"

    @property
    def generator_prompt(self) -> str:
        return f"{self.name}.generator"


def plan_yaml(calls: list[SkillCall]) -> str:
    """A plan as the YAML the planner is asked to write."""
    return yaml.dump({"calls": [{"skill": c.skill, "params": c.params} for c in calls]}, Dumper=_DUMPER,
                     sort_keys=False)
