"""What the router and generator deployments hold per version: loaded once, reused, the newest few kept.

The agent's release names a router version (its artifact URI in MLflow) and a model pin; the
deployments that run them look them up here, so every turn routes and generates with exactly the
versions of the release it started with, even while a newer release is being rolled in.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from components.engines import Engine, EngineConfig, create_engine
from components.versions.specs import ModelPin
from components.versions.store import ItemVersion, VersionStore

if TYPE_CHECKING:  # scikit-learn: the generator's replica, which imports this module too, needs none of it
    from components.routing import Router

__all__ = ["PinnedEngines", "RouterVersions"]


class _Newest:
    """A small LRU: loading happens under a lock so two turns never load the same version twice."""

    def __init__(self, keep: int) -> None:
        self._items: OrderedDict[str, object] = OrderedDict()
        self._keep, self._lock = keep, threading.Lock()

    def get(self, key: str, load):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            value = self._items[key] = load()
            while len(self._items) > self._keep:
                self._items.popitem(last=False)
            return value


class PinnedEngines:
    """Engines by model pin over the deployment's settings. A vLLM pin loads its weights here, once."""

    def __init__(self, base: EngineConfig, keep: int = 2) -> None:
        self.base, self._engines = base, _Newest(keep)

    def get(self, pin: dict) -> Engine:
        parsed = ModelPin.model_validate(pin)
        return self._engines.get(parsed.digest(), lambda: create_engine(parsed.engine_config(self.base)))


class RouterVersions:
    """Routers by MLflow artifact URI, downloaded into `cache` and loaded on first use."""

    def __init__(self, store: VersionStore, cache: Path, keep: int = 3) -> None:
        self.store, self.cache, self._routers = store, cache, _Newest(keep)

    def get(self, source: str) -> Router:
        return self._routers.get(source, lambda: self._load(source))

    def _load(self, source: str) -> Router:
        from components.routing import load_router

        item = ItemVersion("model", "router-by-source", 0, {}, source)
        folder = self.store.download(item, self.cache / hashlib.sha256(source.encode()).hexdigest()[:12])
        return load_router(next(folder.glob("*.joblib")))
