"""The conversation so far, as the generation prompt shows it (the turns come from the conversation log)."""

from __future__ import annotations

__all__ = ["render_history"]


def render_history(turns: list[tuple[str, str]]) -> str:
    if not turns:
        return "(this is the first question)"
    return "\n".join(f"Member: {q}\nAssistant: {a[:400]}" for q, a in turns)
