"""Realistic member traffic: dev-set questions (typos and fragments included) beside real pages, follow-ups
clicked from the suggestions, and thumbs up or down - replayed against a running service.

    switchboard traffic --turns 200            # against the Serve app `make up` started
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import polars as pl

from components.network import NetworkStore
from components.pipeline import AssistRequest

__all__ = ["TrafficReport", "backdate", "questions", "replay", "simulate"]

DEV_SET = Path(__file__).resolve().parents[2] / "data" / "routing" / "dev_set.jsonl"
FOLLOW_UP_SHARE, FEEDBACK_SHARE, THUMBS_UP_SHARE = 0.3, 0.4, 0.75


@dataclass
class TrafficReport:
    turns: int = 0
    follow_ups: int = 0
    feedback: int = 0
    errors: list[str] = field(default_factory=list)
    agents: dict[str, int] = field(default_factory=dict)


def questions(network: NetworkStore, seed: int = 7, dev_set: Path = DEV_SET) -> Iterator[dict]:
    """An endless stream of /v1/assist bodies: a dev-set query with a page of its context type."""
    rng = random.Random(seed)
    rows = [json.loads(line) for line in dev_set.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in rows if row["query"].strip()]  # the dev set's noise can erase a short query
    pages = {"job": sorted(network.jobs), "post": sorted(network.posts), "company": sorted(network.companies),
             "profile": sorted(network.members)}
    members = sorted(network.members)
    while True:
        row = rng.choice(rows)
        body: dict = {"query": row["query"]}
        if row["context_type"] != "none":
            body["context"] = {"type": row["context_type"], "id": rng.choice(pages[row["context_type"]])}
        if rng.random() < 0.7:
            body["member_id"] = rng.choice(members)
        yield body


def _events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in lines:
            events.append((lines["event"], json.loads(lines.get("data", "{}"))))
    return events


class _TurnFailed(Exception):
    """A turn that did not end in `done`: the conversation stops and the reason is counted."""


Ask = Callable[[dict], Awaitable[list[tuple[str, dict]]]]
Rate = Callable[[str, str], Awaitable[object]]


async def _conversation(ask: Ask, rate: Rate, body: dict, claim: Callable[[], bool],
                        report: TrafficReport, rng: random.Random) -> None:
    """One member's conversation: a question, maybe feedback, maybe a clicked follow-up, and so on."""
    while claim():
        try:
            events = await ask(body)
        except _TurnFailed as exc:
            report.errors.append(str(exc))
            return
        done = events[-1][1]
        agent = next((data["agent"] for name, data in events if name == "route"), "unknown")
        report.agents[agent] = report.agents.get(agent, 0) + 1
        if rng.random() < FEEDBACK_SHARE:
            await rate(done["turn_id"], "up" if rng.random() < THUMBS_UP_SHARE else "down")
            report.feedback += 1
        suggestions = next((data["suggestions"] for name, data in events if name == "followups"), [])
        if not suggestions or rng.random() > FOLLOW_UP_SHARE:
            return
        body = {**body, "query": rng.choice(suggestions), "conversation_id": done["conversation_id"]}
        report.follow_ups += 1


def _claimer(report: TrafficReport, turns: int) -> Callable[[], bool]:
    def claim() -> bool:  # synchronous, so no other task runs between the check and the increment
        if report.turns >= turns:
            return False
        report.turns += 1
        return True

    return claim


async def replay(url: str, turns: int, network: NetworkStore, *, seed: int = 7, concurrency: int = 4,
                 timeout_s: float = 60.0, progress: Callable[[], None] | None = None) -> TrafficReport:
    """Sends `turns` turns (follow-ups included) to `url`; every failure is counted, none raises."""
    report, rng, source = TrafficReport(), random.Random(seed + 1), questions(network, seed)
    claim = _claimer(report, turns)

    async with httpx.AsyncClient(timeout=timeout_s) as client:
        async def ask(body: dict) -> list[tuple[str, dict]]:
            try:
                response = await client.post(f"{url}/v1/assist", json=body)
            except httpx.HTTPError as exc:
                raise _TurnFailed(f"{type(exc).__name__}: {exc}") from None
            finally:
                if progress:
                    progress()
            events = _events(response.text) if response.status_code == 200 else []
            if not events or events[-1][0] != "done":
                raise _TurnFailed(f"{events[-1][0]}: {events[-1][1]}" if events
                                  else f"HTTP {response.status_code}: {response.text[:200]}")
            return events

        async def rate(turn_id: str, rating: str) -> None:
            await client.post(f"{url}/v1/feedback", json={"turn_id": turn_id, "rating": rating})

        async def worker() -> None:
            while report.turns < turns:
                await _conversation(ask, rate, next(source), claim, report, rng)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return report


async def simulate(pipeline, network: NetworkStore, turns: int, *, seed: int = 7,
                   progress: Callable[[], None] | None = None) -> TrafficReport:
    """The same traffic in-process through a Pipeline (no HTTP): for tests, benchmarks and labelled sets."""

    report, rng, source = TrafficReport(), random.Random(seed + 1), questions(network, seed)
    claim = _claimer(report, turns)

    async def ask(body: dict) -> list[tuple[str, dict]]:
        events = [(event.name, event.payload()) async for event in pipeline.run(AssistRequest(**body))]
        if progress:
            progress()
        if events[-1][0] != "done":
            raise _TurnFailed(f"{events[-1][0]}: {events[-1][1]}")
        return events

    while report.turns < turns:
        await _conversation(ask, pipeline.feedback, next(source), claim, report, rng)
    return report


def backdate(log_root: Path, day) -> int:
    """Moves every logged turn into `day`'s partition, keeping each turn's time of day (test and benchmark
    logs are made today but stand for another day); returns how many moved."""

    moved = 0
    for path in sorted(Path(log_root).glob("day=*/turn-*.parquet")):
        if path.parent.name == f"day={day.isoformat()}":
            continue
        frame = pl.read_parquet(path)
        stamp = frame["timestamp"][0]
        frame = frame.with_columns(pl.lit(stamp.replace(year=day.year, month=day.month, day=day.day))
                                   .cast(frame.schema["timestamp"]).alias("timestamp"))
        target = Path(log_root) / f"day={day.isoformat()}" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        frame.write_parquet(target)
        path.unlink()
        moved += 1
    return moved
