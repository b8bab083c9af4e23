"""coalesce: a turn's events in lists for a transport that pays per message, in order, none lost or late."""

from __future__ import annotations

import asyncio
import time

import pytest

from components.pipeline.coalesce import coalesce
from components.pipeline.events import DeltaData, DoneData, Event, RouteData, SkillData, Timings


def _route() -> Event:
    return Event("route", RouteData(agent="career_advice", confidence=0.9, in_scope=True))


def _skill(name: str) -> Event:
    return Event("skill", SkillData(name=name, params={}, status="started"))


def _delta(text: str) -> Event:
    return Event("delta", DeltaData(text=text))


def _done() -> Event:
    return Event("done", DoneData(conversation_id="c", turn_id="t", answer="a", versions={},
                                  timings=Timings(ttft_ms=1.0, total_ms=2.0, stages={})))


class Turn:
    """A source of events with pauses in between, recording how far it got and whether it was cancelled."""

    def __init__(self, *steps: Event | float | Exception) -> None:
        self.steps, self.produced, self.cancelled, self.finished = steps, 0, False, False

    async def events(self):
        try:
            for step in self.steps:
                if isinstance(step, float):
                    await asyncio.sleep(step)
                elif isinstance(step, Exception):
                    raise step
                else:
                    self.produced += 1
                    yield step
            self.finished = True
        except asyncio.CancelledError:
            self.cancelled = True
            raise


async def _collect(stream, pause_s: float = 0.0) -> list[tuple[float, list[str]]]:
    started, out = time.perf_counter(), []
    async for batch in stream:
        out.append((time.perf_counter() - started, [e.name for e in batch]))
        await asyncio.sleep(pause_s)
    return out


async def test_progress_events_wait_for_company_and_answer_text_takes_them_along_at_once():
    turn = Turn(_route(), _skill("job_view"), _skill("profile_view"), 0.05, _delta("Yes"), 0.05, _delta(" you"),
                _done())
    batches = await _collect(coalesce(turn.events(), linger_s=1.0))
    assert [names for _, names in batches] == [["route", "skill", "skill", "delta"], ["delta", "done"]]
    assert batches[0][0] < 0.5  # the first delta did not wait out the 1 s linger
    assert turn.finished


async def test_a_progress_event_waits_no_longer_than_the_linger():
    turn = Turn(_route(), 0.5, _delta("late"), _done())
    batches = await _collect(coalesce(turn.events(), linger_s=0.05))
    assert [names for _, names in batches] == [["route"], ["delta", "done"]]
    assert 0.04 < batches[0][0] < 0.3


async def test_the_turn_runs_ahead_of_a_slow_transport_and_nothing_is_lost():
    steps = [_route(), *(_delta(f"t{i} ") for i in range(20)), _done()]
    turn = Turn(*steps)
    batches = await _collect(coalesce(turn.events(), linger_s=0.01), pause_s=0.05)
    names = [name for _, batch in batches for name in batch]
    assert names == [e.name for e in steps]
    assert len(batches) < 5  # produced while the first message was being "written", sent together after


async def test_closing_the_stream_cancels_the_turn_and_waits_for_its_cleanup():
    turn = Turn(_route(), _delta("a"), 10.0, _done())
    stream = coalesce(turn.events(), linger_s=0.01)
    async for batch in stream:
        if any(e.name == "delta" for e in batch):
            break
    await stream.aclose()
    assert turn.cancelled and not turn.finished


async def test_an_exception_in_the_turn_is_raised_after_the_events_before_it():
    turn = Turn(_route(), _delta("a"), RuntimeError("boom"))
    seen = []
    with pytest.raises(RuntimeError, match="boom"):
        async for batch in coalesce(turn.events(), linger_s=0.01):
            seen += [e.name for e in batch]
    assert seen == ["route", "delta"]


async def test_an_empty_turn_yields_nothing():
    assert await _collect(coalesce(Turn().events())) == []
