"""What a conversation is about, so that a follow-up asked on no page can refer back to it.

"What does Meridianpoint Bank do?" then "Is it hiring?": the second question, asked beside nothing,
was routed and planned on its own words (general knowledge, a web search for "Is it hiring?"). A turn
about one thing (the page it was asked beside, or the company its question named) records that as its
subject; a later question asked beside nothing that refers back ("it", "they", "there", "that role")
and names nothing of its own is asked beside that subject instead. A question that names something
("What about Curapeak?") or is asked beside a page of its own is taken as it is.

A follow-up with no topic at all ("Tell me more", "What else?", "Why?") has nothing for the router to go
on: "What else?" went to general knowledge at 0.95 beside a job, "Tell me more" was declined beside a
post. It stays with the previous turn's agent and subject, unless the member has moved to another page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from components.skills import SkillResult

__all__ = ["continues", "refers_back", "subject_of"]

_REFERRING = frozenset("it its it's itself they them their theirs there this that these those he him his she her "
                       "hers".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


# Words that ask for more of the same without naming a topic: "Tell me more", "What else?", "Why?",
# "Can you give an example?". A question made only of them has nothing to route on; the conversation has.
_CONTINUING = frozenset("""tell me more what else why how can could would you please elaborate expand explain
    go on continue keep going further detail details anything something else i should need know and so then ok okay
    sure yes really mean means example examples give show say about that it this there is are was do does the a an
    of for to again other others some any""".split())


def continues(query: str) -> bool:
    """Whether `query` asks for more of what was said without naming a topic of its own ("Tell me more")."""
    words = [word.lower() for word in _WORD.findall(query)]
    return bool(words) and all(word in _CONTINUING for word in words)


def refers_back(query: str) -> bool:
    """Whether `query` points at something said before and names nothing itself.

    A capitalised word after the first is taken for a name ("Is Curapeak hiring too?"), except "I".
    """
    words = _WORD.findall(query)
    if not any(word.lower() in _REFERRING for word in words):
        return False
    return not any(word[0].isupper() and word != "I" and not word.startswith("I'") for word in words[1:])


def subject_of(context_type: str, context_id: str | None, results: Iterable[SkillResult]) -> tuple[str, str] | None:
    """The (type, id) a turn was about: its page, or else the company its question named (found by lookup)."""
    if context_type != "none" and context_id:
        return context_type, context_id
    for result in results:
        if result.skill == "company_lookup" and result.status == "done" and isinstance(result.data, dict):
            found = result.data.get("id")
            if isinstance(found, str) and found:
                return "company", found
    return None
