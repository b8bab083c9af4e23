"""Resolving an alias to concrete versions, and loading them: what a Release is made of.

Loading checks everything a turn would trip over later, so that a broken version is refused while the
old one keeps serving: a prompt whose variables differ from what the code renders (beyond leaving out
optional ones), a pin that does not parse or names an unknown engine, a router artifact that does not
load, an embedder other than the one the examples table was built with.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from components.engines.registry import engine_names
from components.prompts import PromptLibrary
from components.routing import Router, load_router
from components.versions.specs import EmbedderSpec, ModelPin, SpecError
from components.versions.store import ItemVersion, VersionStore, VersionStoreError

__all__ = ["LoadedVersions", "ReleaseLoadError", "Resolved", "load_versions", "resolve", "wait_for_alias"]


class ReleaseLoadError(RuntimeError):
    """A resolved version cannot serve; the message names it and says why."""


@dataclass(frozen=True)
class Resolved:
    """What `alias` points at for every item, at one moment."""

    alias: str
    items: dict[str, ItemVersion]
    primary: int = -1  # items found under `alias` itself (the rest fell back); -1: all of them

    @property
    def key(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted((name, item.version) for name, item in self.items.items()))

    def describe(self) -> dict[str, str]:
        return {name: f"v{item.version}" for name, item in sorted(self.items.items())}


@dataclass(frozen=True)
class LoadedVersions:
    resolved: Resolved
    prompts: PromptLibrary
    pins: dict[str, ModelPin]
    router: Router
    router_item: ItemVersion
    embedder: EmbedderSpec

    def versions(self, prefix: str) -> dict[str, str]:
        """The versions a turn reports: registry versions of every item, plus what they are."""
        items = self.resolved.items
        prompts = ",".join(f"{p.name}@v{p.version}" for p in self.prompts)
        return {"alias": self.resolved.alias, "prompts": prompts,
                "planner_pin": f"v{items[f'{prefix}.planner'].version} {self.pins['planner'].ref}",
                "generator_pin": f"v{items[f'{prefix}.generator'].version} {self.pins['generator'].ref}",
                "router_model": f"v{self.router_item.version} {self.router.version}",
                "embedder_model": f"v{items[f'{prefix}.embedder'].version} {self.embedder.version}"}


def resolve(store: VersionStore, library: PromptLibrary, alias: str, fallback: str | None = None) -> Resolved:
    """One lookup per item; an item without `alias` takes `fallback`'s version (a challenger names only what
    it changes), and without either raises VersionStoreError naming it."""
    items, primary = {}, 0
    for kind, name in store.items(library):
        for chosen in (alias, fallback):
            if chosen is None:
                continue
            try:
                items[name] = store.resolve(kind, name, chosen)
                primary += chosen == alias
                break
            except VersionStoreError as exc:
                problem = exc
        else:
            raise VersionStoreError(f"{name} has no '{alias}' version ({problem}); run `switchboard mlflow sync`")
    return Resolved(alias, items, primary if fallback else -1)


def wait_for_alias(store: VersionStore, library: PromptLibrary, alias: str, timeout_s: float,
                   poll_s: float = 1.0) -> Resolved:
    """`resolve`, retried until `alias` names a version of every item: at start, MLflow may still be
    starting or being synced. Raises the last VersionStoreError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return resolve(store, library, alias)
        except VersionStoreError:
            if time.monotonic() + poll_s > deadline:
                raise
            time.sleep(poll_s)


def load_versions(store: VersionStore, resolved: Resolved, sources: PromptLibrary, cache: Path,
                  embedder_version: str | None = None) -> LoadedVersions:
    """Fetches and checks every resolved version; raises ReleaseLoadError for the first that cannot serve."""
    prompts = sources
    for source in sources:
        name = store.name(source.name)
        item = resolved.items[name]
        prompt = store.fetch_prompt(name, item.version, source)
        if not sources.accepts(prompt):
            optional = f" (optional: {sorted(source.optional)})" if source.optional else ""
            raise ReleaseLoadError(
                f"prompt {name} v{item.version} uses variables {sorted(prompt.variables)} but the code renders "
                f"{sorted(source.variables)}{optional}")
        prompts = prompts.replace(prompt)
    pins = {}
    for role in ("planner", "generator"):
        item = resolved.items[store.name(role)]
        pin = _spec(store, item, cache, ModelPin)
        if pin.engine not in engine_names():
            raise ReleaseLoadError(f"model pin {item.name} v{item.version} names engine '{pin.engine}'; "
                                   f"registered engines: {', '.join(engine_names())}")
        pins[role] = pin
    router_item = resolved.items[store.name("router")]
    folder = store.download(router_item, cache)
    try:
        router = load_router(next(folder.glob("*.joblib")))
    except (StopIteration, Exception) as exc:  # noqa: BLE001 - any failure to unpickle is a bad version
        raise ReleaseLoadError(f"router {router_item.name} v{router_item.version} does not load: "
                               f"{type(exc).__name__}: {exc}") from exc
    embedder_item = resolved.items[store.name("embedder")]
    embedder = _spec(store, embedder_item, cache, EmbedderSpec)
    if embedder_version is not None and embedder.version != embedder_version:
        raise ReleaseLoadError(f"embedder {embedder_item.name} v{embedder_item.version} is '{embedder.version}' but "
                               f"the examples table was built with '{embedder_version}'; rebuild it first")
    return LoadedVersions(resolved, prompts, pins, router, router_item, embedder)


def _spec(store: VersionStore, item: ItemVersion, cache: Path, model: type[ModelPin] | type[EmbedderSpec]):
    folder = store.download(item, cache)
    try:
        return model.model_validate(yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError, SpecError) as exc:
        raise ReleaseLoadError(f"{item.name} v{item.version} is not a valid {model.__name__}: {exc}") from exc
