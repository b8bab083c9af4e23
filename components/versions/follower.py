"""Follows an MLflow alias: resolves it at start, polls it, and swaps a new release in whole.

    follower = AliasFollower(store, PromptLibrary.load(), alias="champion", interval_s=30,
                             cache=home / "mlflow-cache", build=build_release, swap=pipeline.swap)
    await follower.start()      # raises when the alias cannot be resolved or loaded: nothing to serve
    ...                         # a background task polls; an alias moved in the UI serves within interval_s

A version that fails to load is refused: the old release keeps serving, the failure is logged once
per version set and counted in `status` (which /metrics and /healthz report).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.prompts import PromptLibrary
from components.versions.release import LoadedVersions, Resolved, load_versions, resolve
from components.versions.store import VersionStore

__all__ = ["AliasFollower", "FollowStatus"]

log = logging.getLogger("switchboard.versions")


@dataclass
class FollowStatus:
    serving: dict[str, str] = field(default_factory=dict)  # item -> "vN" of the release serving now
    swaps: int = 0
    failures: int = 0
    last_error: str = ""
    checked_at: float = 0.0

    def report(self) -> dict[str, str]:
        return {"registry.swaps": str(self.swaps), "registry.load_failures": str(self.failures),
                "registry.last_error": self.last_error, "registry.checked_at": f"{self.checked_at:.0f}"}


class AliasFollower:
    def __init__(self, store: VersionStore, sources: PromptLibrary, *, alias: str, interval_s: float, cache: Path,
                 build: Callable[[LoadedVersions], Awaitable[Any]], swap: Callable[[Any], None],
                 embedder_version: str | None = None, fallback: str | None = None) -> None:
        self.store, self.sources, self.alias, self.interval_s = store, sources, alias, interval_s
        self.fallback = fallback  # a challenger names only what it changes: the rest is the champion's
        self.cache, self._build, self._swap, self._embedder_version = cache, build, swap, embedder_version
        self.status = FollowStatus()
        self._serving_key: tuple | None = None
        self._failed_key: tuple | None = None
        self._task: asyncio.Task | None = None
        self.shadow: AliasFollower | None = None  # the challenger's follower, when shadow serving is on

    async def start(self) -> None:
        """Resolves and loads the alias once (raising if it cannot), then polls in the background."""
        resolved = await asyncio.to_thread(resolve, self.store, self.sources, self.alias, self.fallback)
        self.status.checked_at = time.time()  # /healthz says when the registry was last asked, from the start
        await self._load(resolved)
        self._task = asyncio.create_task(self._poll_forever(), name=f"follow-{self.alias}")

    async def stop(self) -> None:
        if self.shadow is not None:
            await self.shadow.stop()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def check(self) -> bool:
        """One poll: True when a new release was swapped in. Never raises."""
        try:
            resolved = await asyncio.to_thread(resolve, self.store, self.sources, self.alias, self.fallback)
        except Exception as exc:  # noqa: BLE001 - MLflow down: keep serving what we have, say so
            self._fail(None, f"cannot resolve '{self.alias}': {exc}")
            return False
        finally:
            self.status.checked_at = time.time()
        if resolved.key == self._serving_key:
            self.status.last_error = ""  # the registry answers again and names what serves: /healthz says so
            return False
        if resolved.key == self._failed_key:
            return False
        try:
            await self._load(resolved)
        except Exception as exc:  # noqa: BLE001 - a broken version must not take serving down
            self._fail(resolved.key, f"{type(exc).__name__}: {exc}")
            return False
        return True

    async def _load(self, resolved: Resolved) -> None:
        loaded = await asyncio.to_thread(load_versions, self.store, resolved, self.sources, self.cache,
                                         self._embedder_version)
        # a challenger alias that names nothing: nothing to shadow
        release = None if resolved.primary == 0 else await self._build(loaded)
        self._swap(release)
        previous, self._serving_key, self._failed_key = self.status.serving, resolved.key, None
        self.status.serving = resolved.describe()
        self.status.swaps += 1
        moved = {k: f"{previous.get(k, '-')} -> {v}" for k, v in self.status.serving.items() if previous.get(k) != v}
        log.info("serving '%s' versions: %s", self.alias, moved)

    def _fail(self, key: tuple | None, message: str) -> None:
        self.status.failures += 1
        self.status.last_error = message
        if key is None or key != self._failed_key:  # once per version set, not at every poll
            log.error("kept the serving versions %s: %s", self.status.serving, message)
        self._failed_key = key

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.check()
