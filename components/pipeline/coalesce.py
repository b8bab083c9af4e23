"""Coalescing a turn's events for a transport that pays per message (a Serve stream between processes).

    async for batch in coalesce(pipeline.run(request), linger_s=0.010):
        send(batch)                  # a list of Events: one message instead of len(batch)

The turn runs ahead in a task of its own, so its work never waits for a message to be written. Answer
text (`delta`) and the terminal event leave at once, with whatever queued before them. Progress events
(`route`, `plan`, `skill`, ...) wait up to `linger_s` for company: a turn that computes its plan and
fires its calls back to back sends them together, after it has asked the generator, instead of
writing each while the generator request waits behind it. A person cannot see 10 ms of delay on a
progress line; the member sees the first token sooner.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from components.pipeline.events import Event

__all__ = ["coalesce"]

_END = object()


def _urgent(event: Event) -> bool:
    return event.name == "delta" or event.terminal


async def coalesce(events: AsyncIterator[Event], linger_s: float = 0.010) -> AsyncIterator[list[Event]]:
    """Yields the events in order, in lists; closing this generator cancels the turn (its own `finally` runs)."""
    queue: asyncio.Queue = asyncio.Queue()

    async def pump() -> None:
        try:
            async for event in events:
                queue.put_nowait(event)
        except Exception as exc:  # noqa: BLE001 - re-raised to the consumer, in order
            queue.put_nowait(exc)
        queue.put_nowait(_END)

    task = asyncio.create_task(pump())
    loop = asyncio.get_running_loop()
    try:
        while True:
            batch = [await queue.get()]
            until = loop.time() + linger_s
            while isinstance(batch[-1], Event) and not _urgent(batch[-1]):
                remaining = until - loop.time()
                if remaining <= 0:
                    break
                try:
                    async with asyncio.timeout(remaining):
                        batch.append(await queue.get())
                except TimeoutError:
                    break
            while not queue.empty() and isinstance(batch[-1], Event):
                batch.append(queue.get_nowait())
            ended = not isinstance(batch[-1], Event)
            items = batch[:-1] if ended else batch
            if items:
                yield items
            if isinstance(batch[-1], Exception):
                raise batch[-1]
            if ended:
                return
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # the turn's own `finally` (its log record) has run when this returns
