"""Sync the sources (mlflow/prompts, mlflow/models, the router artifact) into MLflow; list what serves."""

from __future__ import annotations

from pathlib import Path

from components.prompts import PromptLibrary
from components.routing.model import DEFAULT_ARTIFACT
from components.versions.specs import MODELS_DIR, load_embedder_spec, load_pins
from components.versions.store import MODEL_NAMES, Change, Kind, VersionStore, VersionStoreError

__all__ = ["kind_of", "serving_table", "sync_all"]


def sync_all(store: VersionStore, *, prompts: PromptLibrary | None = None, models_dir: Path = MODELS_DIR,
             router_artifact: Path | None = None, alias: str = "champion") -> list[Change]:
    """Registers what changed since the last sync; a second run registers nothing."""
    changes = store.sync_prompts(prompts or PromptLibrary.load(), alias)
    for spec in [*load_pins(models_dir).values(), load_embedder_spec(models_dir)]:
        if (change := store.sync_spec(spec, alias)) is not None:
            changes.append(change)
    if (change := store.register_router(router_artifact or DEFAULT_ARTIFACT, alias)) is not None:
        changes.append(change)
    return changes


def kind_of(store: VersionStore, name: str, library: PromptLibrary | None = None) -> tuple[Kind, str]:
    """('prompt' | 'model', full name) for a name given with or without the prefix."""
    short = name.removeprefix(f"{store.prefix}.")
    if short in MODEL_NAMES:
        return "model", store.name(short)
    if short in {p.name for p in (library or PromptLibrary.load())}:
        return "prompt", store.name(short)
    raise VersionStoreError(f"unknown item '{name}'; models: {', '.join(MODEL_NAMES)}; prompts: the names in "
                            "mlflow/prompts (e.g. job_assessment.generator)")


def serving_table(store: VersionStore, library: PromptLibrary | None = None) -> list[dict[str, str]]:
    """One row per item: its kind, name and the version of every alias it has."""
    rows = []
    for kind, name in store.items(library or PromptLibrary.load()):
        aliases = store.aliases(kind, name)
        rows.append({"kind": kind, "name": name,
                     "aliases": ", ".join(f"{a}=v{v}" for a, v in sorted(aliases.items())) or "(none)"})
    return rows
