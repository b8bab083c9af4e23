"""Recent turns per conversation, for multi-turn prompts (in memory, bounded)."""

from __future__ import annotations

from collections import OrderedDict, deque

__all__ = ["ConversationHistory"]


class ConversationHistory:
    def __init__(self, turns: int = 4, conversations: int = 10_000) -> None:
        self._turns, self._limit = turns, conversations
        self._store: OrderedDict[str, deque[tuple[str, str]]] = OrderedDict()

    def get(self, conversation_id: str) -> list[tuple[str, str]]:
        return list(self._store.get(conversation_id, ()))

    def add(self, conversation_id: str, query: str, answer: str) -> None:
        turns = self._store.setdefault(conversation_id, deque(maxlen=max(self._turns, 1)))
        turns.append((query, answer))
        self._store.move_to_end(conversation_id)
        while len(self._store) > self._limit:
            self._store.popitem(last=False)

    @staticmethod
    def render(turns: list[tuple[str, str]]) -> str:
        if not turns:
            return "(this is the first question)"
        return "\n".join(f"Member: {q}\nAssistant: {a[:400]}" for q, a in turns)
