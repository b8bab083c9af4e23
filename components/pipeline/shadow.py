"""Shadow serving: the challenger release answers a share of live turns in the background, logged beside
the live turn it shadows and never shown to the member."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable

from components.pipeline.config import PipelineConfig
from components.pipeline.events import ErrorData, Event
from components.pipeline.turn import Release, TurnState

__all__ = ["Shadow"]


class Shadow:
    """`turn` runs a turn's stages on a state; `finish` logs it (the pipeline's own)."""

    def __init__(self, config: PipelineConfig, turn: Callable[[TurnState], AsyncIterator[Event]],
                 finish: Callable[[TurnState], Awaitable[None]]) -> None:
        self.config, self._turn, self._finish = config, turn, finish
        self.release: Release | None = None  # the challenger release, when shadow serving is on
        self.stats = {"started": 0, "skipped": 0, "failed": 0}
        self._tasks: set[asyncio.Task] = set()

    def maybe_start(self, state: TurnState) -> None:
        """After a live turn is complete and logged: its shadow, for a share of turns and within the cap."""
        if (self.release is None or state.shadow_of is not None or state.error is not None
                or random.random() >= self.config.shadow_share):
            return
        if len(self._tasks) >= self.config.shadow_max_in_flight:
            self.stats["skipped"] += 1
            return
        shadow = TurnState(state.request, state.conversation_id, release=self.release,
                           examples_index=state.examples_index, history=state.history, shadow_of=state.turn_id,
                           forced_agent=state.forced_agent)
        task = asyncio.get_running_loop().create_task(self._run(shadow), name=f"shadow-{state.turn_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        self.stats["started"] += 1

    async def _run(self, state: TurnState) -> None:
        try:
            async for _ in self._turn(state):
                pass
        except Exception as exc:  # noqa: BLE001 - a failing challenger is evidence, not an outage
            state.error = ErrorData(code="internal", message=f"{type(exc).__name__}: {exc}")
            self.stats["failed"] += 1
        await self._finish(state)

    async def drain(self) -> None:
        """Waits for the shadow turns in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
