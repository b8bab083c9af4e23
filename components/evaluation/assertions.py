"""Per-agent code assertions: cheap, exact checks an answer must pass (length, structure, language, diversity)."""

from __future__ import annotations

import re
from typing import Any

from components.evaluation.rubric import Rubric

__all__ = ["check_assertions"]

_WORD = re.compile(r"[A-Za-z']+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+\S", re.MULTILINE)
_ENGLISH = frozenset("the a an and or of to in on for with is are be you your it this that as at by from can "
                     "will have has not what which who how more about their they we our".split())
# The function words of the other languages members write in (Spanish, French, German, Portuguese, Italian,
# Dutch), none of them English words: a list of titles and nouns has few English function words, but only
# an answer in another language has these instead.
_OTHER = frozenset("el la los las del que y es una un por para como su sus se le les des et est une dans avec "
                   "sur qui der das und ist nicht mit von zu ein eine dem sie auf o os um uma em com mais il di "
                   "che della sono het een en niet zijn voor".split())


def _in_another_language(text: str) -> bool:
    """Few English function words (English prose has about 30% of them), and more of another language's:
    "Worth reading: - Negotiating a job offer without burning bridges (Industry Pulse, edition 16)" has one
    "a" in 14 words and is English all the same."""
    words = [w.lower() for w in _WORD.findall(text)]
    english, other = sum(w in _ENGLISH for w in words), sum(w in _OTHER for w in words)
    return english < 0.12 * len(words) and other >= 2 and other > english


def check_assertions(rubric: Rubric, turn: dict[str, Any], context_name: str | None = None) -> list[str]:
    """The names of the assertions `turn` fails (empty: it passes them all)."""
    answer = turn.get("answer") or ""
    agent = turn.get("agent") or "general_knowledge"
    rules = rubric.guideline(agent).assertions
    failures = []
    words = len(_WORD.findall(answer))
    if words < rules.min_words:
        failures.append(f"too_short({words}<{rules.min_words})")
    if words > rules.max_words:
        failures.append(f"too_long({words}>{rules.max_words})")
    lowered = answer.lower()
    if rules.requires_any and not any(w in lowered for w in rules.requires_any):
        failures.append("missing_structure")
    failures += [f"forbidden({phrase})" for phrase in rules.forbidden if phrase in lowered]
    if rules.min_list_items and len(_LIST_ITEM.findall(answer)) < rules.min_list_items:
        failures.append(f"not_a_list(<{rules.min_list_items} items)")
    if rules.mentions_context_name and context_name and context_name.lower() not in lowered:
        failures.append("context_not_named")
    if rubric.common_assertions.language == "en" and words >= 8 and _in_another_language(answer):
        failures.append("not_english")
    followups = [f.strip().lower() for f in turn.get("followups") or []]
    if rubric.common_assertions.followups_distinct and len(set(followups)) < len(followups):
        failures.append("followups_repeat")
    return failures
