"""Job titles along the network's seniority ladder: how a role is titled at each level, and the next rung.

The generator titles members and postings with `title_at`; the career agent's chip names the next rung
with `next_title`, so it asks for postings that exist ("Director of Store Operations" after "Senior
Store Operations Lead", not "lead Store Operations Lead").
"""

from __future__ import annotations

from functools import cache

from components.network import vocabulary as vocab

__all__ = ["LADDER", "next_title", "title_at"]

LADDER = tuple(vocab.SENIORITY_PREFIX)  # intern, entry, associate, mid, senior, lead, director, executive


def title_at(role: str, seniority: str) -> str:
    prefix = vocab.SENIORITY_PREFIX[seniority]
    if seniority == "intern":
        return f"{role} Intern"
    if seniority in ("director", "executive"):  # heads a field, not a role: "VP of Growth Marketing"
        return f"{prefix} {_function(role)}"
    if seniority == "lead" and role.endswith((" Lead", " Director")):  # not "Lead Store Operations Lead"
        return f"Senior {role}"
    return f"{prefix} {role}".strip()


def _function(role: str) -> str:
    if role in vocab.ROLE_FUNCTIONS:
        return vocab.ROLE_FUNCTIONS[role]
    *field, last = role.split(" ")
    if last not in vocab.FUNCTION_OF_WORD:
        raise ValueError(f"role '{role}': name what its directors head in vocabulary.ROLE_FUNCTIONS")
    return " ".join([*field, vocab.FUNCTION_OF_WORD[last]])


@cache
def _rungs() -> dict[str, tuple[str, int]]:
    """Every title the ladder makes -> (its role, its lowest rung): 'Senior Store Operations Lead' is both
    the senior and the lead title, and a director heads several roles' field, so the first rung wins."""
    rungs: dict[str, tuple[str, int]] = {}
    for spec in vocab.INDUSTRIES.values():
        for role in spec["roles"]:
            for rung, seniority in enumerate(LADDER):
                rungs.setdefault(title_at(role, seniority).lower(), (role, rung))
    return rungs


def next_title(current: str) -> str | None:
    """The first title above `current` on its role's ladder; the same title at the top; None for a title
    the ladder does not make (a free-text title from another network)."""
    found = _rungs().get(" ".join(current.split()).lower())
    if found is None:
        return None
    role, rung = found
    for seniority in LADDER[rung + 1:]:
        above = title_at(role, seniority)
        if above.lower() != current.lower():
            return above
    return current
