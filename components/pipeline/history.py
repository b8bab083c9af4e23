"""The conversation so far, as the prompts show it (the turns come from the conversation log)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # an annotation: turn.py imports the engines and retrieval this module does not need
    from components.pipeline.turn import TurnState

__all__ = ["history_block", "render_history"]


def render_history(turns: list[tuple[str, str]]) -> str:
    if not turns:
        return "(this is the first question)"
    return "\n".join(f"Member: {q}\nAssistant: {a[:400]}" for q, a in turns)


async def history_block(state: TurnState) -> str:
    """The conversation so far as the release's prompts show it, once the read begun at the turn's start is in."""
    if state.history is None and state.history_read is not None:
        state.history = await state.history_read
    return state.release.prompts.get("global.history").render(history=render_history(state.history or []))
