"""Versions in MLflow: model pins, the prompt/model registry, and following an alias while serving."""

from components.versions.follower import AliasFollower, FollowStatus
from components.versions.release import (
    LoadedVersions,
    ReleaseLoadError,
    Resolved,
    load_versions,
    resolve,
    wait_for_alias,
)
from components.versions.specs import (
    MODELS_DIR,
    EmbedderSpec,
    ModelPin,
    Sampling,
    SpecError,
    load_embedder_spec,
    load_pins,
)
from components.versions.store import MODEL_NAMES, Change, ItemVersion, VersionStore, VersionStoreError
from components.versions.sync import kind_of, serving_table, sync_all

__all__ = [
    "MODELS_DIR", "MODEL_NAMES", "AliasFollower", "Change", "EmbedderSpec", "FollowStatus", "ItemVersion",
    "LoadedVersions", "ModelPin", "ReleaseLoadError", "Resolved", "Sampling", "SpecError", "VersionStore",
    "VersionStoreError", "kind_of", "load_embedder_spec", "load_pins", "load_versions", "resolve", "serving_table",
    "sync_all", "wait_for_alias",
]
