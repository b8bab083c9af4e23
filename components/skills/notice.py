"""What a member is told when skills could not answer: unavailable for now, never "there is none"."""

from __future__ import annotations

from collections.abc import Iterable

from components.skills.invoke import SkillResult
from components.skills.registry import SkillRegistry, UnknownSkillError

__all__ = ["UNAVAILABLE", "unavailable_notice", "unavailable_skills"]


def _sentence(what: str) -> str:
    return (f"Some information is temporarily unavailable: I could not reach {what} just now, so this answer "
            "may be incomplete. Please try again in a moment.")


UNAVAILABLE = _sentence("some of what I looked up")  # when no skill can be named


def unavailable_skills(results: Iterable[SkillResult]) -> list[str]:
    """The skills a turn called that could not be reached, timed out or failed (not "not found", nor a call
    the plan wrote wrong: trying again would not help that one), each once, in call order."""
    return list(dict.fromkeys(r.skill for r in results
                              if r.status == "failed" and r.failure in ("unavailable", None)))


def unavailable_notice(skills: Iterable[str], registry: SkillRegistry | None = None) -> str:
    """One sentence naming what could not be reached and inviting the member to try again; "" for none."""
    skills = list(skills)
    if not skills:
        return ""
    subjects = []
    for name in skills if registry is not None else ():
        try:
            subjects.append(registry.get(name).what)
        except UnknownSkillError:  # a planner's invented skill: nothing a member would recognise
            continue
    subjects = list(dict.fromkeys(subjects))
    if not subjects:
        return UNAVAILABLE
    return _sentence(", ".join(subjects[:-1]) + " and " + subjects[-1] if len(subjects) > 1 else subjects[0])
