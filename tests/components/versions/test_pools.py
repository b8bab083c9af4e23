"""The generator's engine pool: no second copy of the configured model beside a pin, eviction closes."""

from __future__ import annotations

import asyncio

import pytest

from components.engines import EngineConfig, EngineError
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
    pinned = pool.get(_pin("m1"))
    assert pool.loaded() == [pinned]
    configured = pool.get(None)  # a request without a pin still gets an answer
    assert configured.model == "base-model" and pool.loaded() == [pinned, configured]


async def test_a_pin_naming_the_configured_model_shares_its_engine(base):
    pool = EnginePool(base)
    assert pool.get(_pin("base-model")) is pool.get(None) and len(pool.loaded()) == 1


async def test_an_engine_pushed_out_idle_is_closed(base):
    pool = EnginePool(base, keep=2)
    first, second = pool.get(_pin("m1")), pool.get(_pin("m2"))
    pool.get(_pin("m1"))  # m1 used last: m2 is the one to go
    third = pool.get(_pin("m3"))
    await asyncio.sleep(0)  # closing runs as a task
    assert pool.loaded() == [first, third] and _closed(second) and not _closed(first)


async def test_an_engine_pushed_out_mid_stream_closes_when_its_stream_ends(base):
    pool = EnginePool(base, keep=1)
    async with pool.lease(_pin("m1")) as streaming:
        pool.get(_pin("m2"))
        await asyncio.sleep(0)
        assert not _closed(streaming)
    await asyncio.sleep(0)
    assert _closed(streaming)


async def test_health_checks_every_loaded_engine(base):
    pool = EnginePool(base, load_base=False)
    await pool.check_health()  # nothing loaded yet: nothing unhealthy
    pool.get(_pin("m1"))
    with pytest.raises(EngineError, match="unreachable"):  # nothing listens at the configured URL
        await pool.check_health()
