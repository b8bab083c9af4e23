"""What the router and generator deployments hold per version: loaded once, reused, the newest few kept.

The agent's release names a router version (its artifact URI in MLflow) and a model pin; the
deployments that run them look them up here, so every turn routes and generates with exactly the
versions of the release it started with, even while a newer release is being rolled in.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from components.engines import Engine, EngineConfig, create_engine
from components.versions.specs import ModelPin
from components.versions.store import ItemVersion, VersionStore

if TYPE_CHECKING:  # scikit-learn: the generator's replica, which imports this module too, needs none of it
    from components.routing import Router

__all__ = ["EnginePool", "RouterVersions"]


class _Newest:
    """A small LRU: loading happens under a lock so two turns never load the same version twice."""

    def __init__(self, keep: int) -> None:
        self._items: OrderedDict[str, object] = OrderedDict()
        self._keep, self._lock = keep, threading.Lock()

    def peek(self, key: str):
        """The item if it is loaded, else None; never waits for a load."""
        return self._items.get(key)

    def get(self, key: str, load):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = self._items[key] = load()
            while len(self._items) > self._keep:
                self._items.popitem(last=False)
            return value


@dataclass
class _Loaded:
    engine: Engine
    leases: int = 0  # generations streaming from it now
    retired: bool = False  # pushed out of the pool: closed when its last generation ends


class EnginePool:
    """The generator deployment's engines: the configured one, and those the releases' model pins select.

    Engines are keyed by their settings, so a pin that names what the deployment is configured with shares
    its engine. With an MLflow registry every release names a pin, so the configured engine is not loaded
    beside the pinned one (`load_base=False`): on a GPU that would be a second copy of a model's weights and
    KV cache. An engine loads in a worker thread: a vLLM engine takes minutes, and the replica's other
    streams and health checks go on meanwhile. At most `keep` engines stay loaded; one pushed out is closed
    (vLLM frees its GPU memory) once the generations still streaming from it end. A swap to a new vLLM pin
    needs both engines to fit on the replica's GPUs (`gpu_memory_utilization`) until the old release's
    turns end. One event loop uses a pool (the replica's).
    """

    def __init__(self, base: EngineConfig, keep: int = 2, load_base: bool = True) -> None:
        self.base, self._keep = base, keep
        self._loaded: OrderedDict[str, _Loaded] = OrderedDict()
        self._loading: dict[str, asyncio.Task[_Loaded]] = {}  # so that two turns never load one engine twice
        self._closing: set[asyncio.Task] = set()
        if load_base:  # at start, before the replica takes requests: a broken engine fails the replica
            self._admit(self._key(base), create_engine(base))

    async def load(self, pin: dict | None) -> Engine:
        """The engine for `pin` (None: the configured one), loading it if it is not loaded."""
        return (await self._entry(pin)).engine

    @asynccontextmanager
    async def lease(self, pin: dict | None) -> AsyncIterator[Engine]:
        """The engine for `pin`, kept open while the caller streams from it."""
        entry = await self._entry(pin)
        entry.leases += 1
        try:
            yield entry.engine
        finally:
            entry.leases -= 1
            if entry.retired and entry.leases == 0:
                self._close_soon(entry.engine)

    async def check_health(self) -> None:
        """Raises EngineError when a loaded engine is unhealthy (none loaded yet is healthy)."""
        for entry in list(self._loaded.values()):
            await entry.engine.check_health()

    def loaded(self) -> list[Engine]:
        return [entry.engine for entry in self._loaded.values()]

    @staticmethod
    def _key(config: EngineConfig) -> str:
        return hashlib.sha256(config.model_dump_json().encode()).hexdigest()

    async def _entry(self, pin: dict | None) -> _Loaded:
        config = self.base if pin is None else ModelPin.model_validate(pin).engine_config(self.base)
        key = self._key(config)
        while True:
            if key in self._loaded:
                self._loaded.move_to_end(key)
                return self._loaded[key]
            if key not in self._loading:
                self._loading[key] = asyncio.get_running_loop().create_task(self._load(key, config))
            entry = await asyncio.shield(self._loading[key])  # a turn that gives up leaves the load to others
            if not entry.retired:  # else pushed out while others loaded: look again
                return entry

    async def _load(self, key: str, config: EngineConfig) -> _Loaded:
        try:
            return self._admit(key, await asyncio.to_thread(create_engine, config))
        finally:
            del self._loading[key]

    def _admit(self, key: str, engine: Engine) -> _Loaded:
        entry = self._loaded[key] = _Loaded(engine)
        while len(self._loaded) > self._keep:
            _, evicted = self._loaded.popitem(last=False)
            evicted.retired = True
            if evicted.leases == 0:
                self._close_soon(evicted.engine)
        return entry

    def _close_soon(self, engine: Engine) -> None:
        task = asyncio.get_running_loop().create_task(engine.aclose())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)


class RouterVersions:
    """Routers by MLflow artifact URI, downloaded into `cache` and loaded on first use."""

    def __init__(self, store: VersionStore, cache: Path, keep: int = 3) -> None:
        self.store, self.cache, self._routers = store, cache, _Newest(keep)

    def get(self, source: str) -> Router:
        """The router of `source`, downloading and loading it first if needed (blocking: call it off the loop)."""
        return self._routers.get(source, lambda: self._load(source))

    def loaded(self, source: str) -> Router | None:
        return self._routers.peek(source)

    def _load(self, source: str) -> Router:
        # start-up time: routing imports scikit-learn, which a generator replica (pins only) never needs
        from components.routing import load_router


        item = ItemVersion("model", "router-by-source", 0, {}, source)
        folder = self.store.download(item, self.cache / hashlib.sha256(source.encode()).hexdigest()[:12])
        return load_router(next(folder.glob("*.joblib")))
