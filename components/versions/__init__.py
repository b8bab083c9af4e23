"""Versions in MLflow: model pins, the prompt/model registry, and following an alias while serving."""

from components.lazy import lazy_exports

_EXPORTS = {
    **dict.fromkeys(["AliasFollower", "FollowStatus"], "components.versions.follower"),
    # release loads routers (scikit-learn): a generator replica, which needs only the pins, never imports it
    **dict.fromkeys(["LoadedVersions", "ReleaseLoadError", "Resolved", "load_versions", "resolve", "wait_for_alias"],
                    "components.versions.release"),
    **dict.fromkeys(["MODELS_DIR", "EmbedderSpec", "ModelPin", "Sampling", "SpecError", "load_embedder_spec",
                     "load_pins", "pins_dir"], "components.versions.specs"),
    **dict.fromkeys(["MODEL_NAMES", "Change", "ItemVersion", "VersionStore", "VersionStoreError"],
                    "components.versions.store"),
    **dict.fromkeys(["kind_of", "serving_table", "sync_all"], "components.versions.sync"),
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
