"""The generator's engine pool: no second copy of the configured model beside a pin, eviction closes."""

from __future__ import annotations

import asyncio
import time

import pytest

from components.engines import EngineConfig, EngineError, UnknownEngineError, create_engine
from components.versions import pools
from components.versions.pools import EnginePool
from tests.conftest import free_port


@pytest.fixture
def base() -> EngineConfig:
    # An OpenAI-compatible engine: cheap to create, and closing it closes its HTTP client (observable).
    return EngineConfig(kind="openai", openai={"base_url": f"http://127.0.0.1:{free_port()}/v1", "model": "base-model",
                                              "connect_timeout_s": 0.5})


def _pin(model: str) -> dict:
    return {"name": "generator", "role": "generator", "engine": "openai", "model": model, "revision": "r1"}


def _closed(engine) -> bool:
    return engine._client.is_closed


async def test_with_pinned_releases_the_configured_engine_loads_only_when_asked_for(base):
    pool = EnginePool(base, load_base=False)
    assert pool.loaded() == []
    pinned = await pool.load(_pin("m1"))
    assert pool.loaded() == [pinned]
    configured = await pool.load(None)  # a request without a pin still gets an answer
    assert configured.model == "base-model" and pool.loaded() == [pinned, configured]


async def test_a_pin_naming_the_configured_model_shares_its_engine(base):
    pool = EnginePool(base)
    assert await pool.load(_pin("base-model")) is await pool.load(None) and len(pool.loaded()) == 1


async def test_an_engine_pushed_out_idle_is_closed(base):
    pool = EnginePool(base, keep=2)
    first, second = await pool.load(_pin("m1")), await pool.load(_pin("m2"))
    await pool.load(_pin("m1"))  # m1 used last: m2 is the one to go
    third = await pool.load(_pin("m3"))
    await asyncio.sleep(0)  # closing runs as a task
    assert pool.loaded() == [first, third] and _closed(second) and not _closed(first)


async def test_an_engine_pushed_out_mid_stream_closes_when_its_stream_ends(base):
    pool = EnginePool(base, keep=1)
    async with pool.lease(_pin("m1")) as streaming:
        await pool.load(_pin("m2"))
        await asyncio.sleep(0)
        assert not _closed(streaming)
    await asyncio.sleep(0)
    assert _closed(streaming)


async def test_health_checks_every_loaded_engine(base):
    pool = EnginePool(base, load_base=False)
    await pool.check_health()  # nothing loaded yet: nothing unhealthy
    await pool.load(_pin("m1"))
    with pytest.raises(EngineError, match="unreachable"):  # nothing listens at the configured URL
        await pool.check_health()


async def test_an_engine_loads_once_for_concurrent_turns_and_off_the_event_loop(base, monkeypatch):
    created = []

    def slow_create(config):  # a model load: seconds to minutes of blocking work, here a quarter second
        time.sleep(0.25)
        created.append(config.openai.model)
        return create_engine(config)

    monkeypatch.setattr(pools, "create_engine", slow_create)
    pool, ticks = EnginePool(base, load_base=False), 0

    async def ticking() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(ticking())
    first, second = await asyncio.gather(pool.load(_pin("m1")), pool.load(_pin("m1")))
    ticker.cancel()
    assert first is second and created == ["m1"]
    assert ticks >= 10  # the loop kept running while the engine loaded


async def test_a_failed_load_raises_to_its_turns_and_the_next_request_tries_again(base, monkeypatch):
    attempts = []

    def flaky_create(config):  # the first load fails (say, the GPU is still held by a closing engine)
        attempts.append(config.openai.model)
        if len(attempts) == 1:
            raise EngineError("CUDA out of memory")
        return create_engine(config)

    monkeypatch.setattr(pools, "create_engine", flaky_create)
    pool = EnginePool(base, load_base=False)
    with pytest.raises(EngineError, match="out of memory"):
        await pool.load(_pin("m1"))
    assert pool.loaded() == []
    assert (await pool.load(_pin("m1"))).model == "m1" and attempts == ["m1", "m1"]


async def test_an_unknown_engine_in_a_pin_is_a_clear_error(base):
    with pytest.raises(UnknownEngineError, match="no-such-engine"):
        await EnginePool(base, load_base=False).load({**_pin("m1"), "engine": "no-such-engine"})
