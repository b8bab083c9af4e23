"""The MLflow side of versioning: register sources, resolve aliases, move them, roll back.

Every prompt, model pin, router and embedder that serving uses is a named, immutable version in
MLflow, chosen by alias. Names are '<prefix>.<source name>': prompts in the Prompt Registry
('switchboard.job_assessment.generator'), the rest as registered models ('switchboard.generator',
'switchboard.planner', 'switchboard.router', 'switchboard.embedder').

Each alias move made here is appended to the item's `switchboard.champion_history` tag, so rollback
returns to the version that served before; a move made in the MLflow UI leaves no history, and
rollback then falls back to the newest version older than the current one.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import yaml

from components.prompts import Prompt, PromptLibrary
from components.prompts.library import _VARIABLE
from components.versions.specs import EmbedderSpec, ModelPin

__all__ = ["MODEL_NAMES", "Change", "ItemVersion", "VersionStore", "VersionStoreError"]

MODEL_NAMES = ("planner", "generator", "router", "embedder")
_HISTORY = "switchboard.champion_history"
_EXPERIMENT = "switchboard-registry"

Kind = Literal["prompt", "model"]


class VersionStoreError(RuntimeError):
    """MLflow cannot be reached, or an item or alias is missing."""


@dataclass(frozen=True)
class Change:
    """One registration: a new version of `name` (first: it also got the champion alias)."""

    kind: Kind
    name: str
    version: int
    first: bool


@dataclass(frozen=True)
class ItemVersion:
    kind: Kind
    name: str
    version: int
    tags: dict[str, str]
    source: str = ""  # artifact URI of a model version; empty for prompts


class VersionStore:
    """MlflowClient with Switchboard's names, bounded timeouts and no hidden retries."""

    def __init__(self, tracking_uri: str, prefix: str = "switchboard", timeout_s: float = 10.0,
                 max_retries: int = 1) -> None:
        # MLflow reads these per request; its defaults (120 s, 7 retries with backoff) would stall a poll
        # for minutes when the server is down.
        os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = str(int(max(1, timeout_s)))
        os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = str(max_retries)
        os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")  # no "View run at" per registration
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no bars in serving logs
        logging.getLogger("mlflow.store.model_registry.abstract_store").setLevel(logging.WARNING)  # "Waiting up to"
        # start-up time: mlflow takes seconds to import; a replica with no tracking URI never pays for it
        from mlflow import MlflowClient

        self.tracking_uri, self.prefix = tracking_uri, prefix
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)

    # -- names ---------------------------------------------------------------------------------------

    def name(self, source_name: str) -> str:
        return f"{self.prefix}.{source_name}"

    def items(self, library: PromptLibrary) -> list[tuple[Kind, str]]:
        """Everything serving resolves: each prompt of `library`, and the four models."""
        return [("prompt", self.name(p.name)) for p in library] + [("model", self.name(m)) for m in MODEL_NAMES]

    # -- registering -----------------------------------------------------------------------------------

    def sync_prompts(self, library: PromptLibrary, alias: str = "champion") -> list[Change]:
        """Registers each prompt whose text differs from its newest registered version."""
        changes = []
        for prompt in library:
            name = self.name(prompt.name)
            latest = self._latest_prompt(name)
            if latest is not None and latest.template == prompt.template:
                continue
            tags = {"agent": prompt.agent or "global", "role": prompt.role,
                    "variables": ",".join(sorted(prompt.variables)), "source_version": str(prompt.version)}
            registered = self._call(self.client.register_prompt, name=name, template=prompt.template,
                                    commit_message=prompt.commit_message or f"sync of {prompt.ref}", tags=tags)
            version = int(registered.version)
            if latest is None:
                self.move_alias("prompt", name, alias, version, why="first registration")
            changes.append(Change("prompt", name, version, latest is None))
        return changes

    def sync_spec(self, spec: ModelPin | EmbedderSpec, alias: str = "champion") -> Change | None:
        """Registers a pin or embedder spec (a YAML artifact, no weights) when its content changed."""
        document = yaml.safe_dump(spec.model_dump(mode="json"), sort_keys=False)
        tags = {"digest": spec.digest(), "spec": type(spec).__name__}
        if isinstance(spec, ModelPin):
            tags |= {"engine": spec.engine, "model": spec.model, "revision": spec.revision, "role": spec.role}
        else:
            tags |= {"embedder_version": spec.version, "kind": spec.kind}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "spec.yaml"
            path.write_text(document, encoding="utf-8")
            return self._register_files(self.name(spec.name), [path], "spec", tags, spec.commit_message,
                                        params={k: v for k, v in tags.items() if k != "spec"}, alias=alias)

    def register_router(self, artifact: Path, alias: str = "champion") -> Change | None:
        """Registers a trained router (artifact .joblib + its .json report) in a run with its dev-set metrics."""
        meta_path = artifact.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise VersionStoreError(f"{meta_path}: cannot read the router report: {exc}") from None
        digest = hashlib.sha256(artifact.read_bytes()).hexdigest()[:16]
        metrics = {k: float(v) for k, v in (meta.get("metrics") or {}).items() if isinstance(v, int | float)}
        for label, scores in ((meta.get("metrics") or {}).get("per_class") or {}).items():
            metrics[f"recall.{label}"] = float(scores.get("recall", 0.0))
        tags = {"digest": digest, "router_version": meta["version"], "sklearn": meta.get("sklearn", "")}
        return self._register_files(self.name("router"), [artifact, meta_path], "router", tags,
                                    f"router {meta['version']}", params={"min_confidence": meta.get("min_confidence")},
                                    metrics=metrics, alias=alias)

    def _register_files(self, name: str, files: list[Path], folder: str, tags: dict[str, str], description: str,
                        params: dict | None = None, metrics: dict[str, float] | None = None,
                        alias: str = "champion") -> Change | None:
        latest = self._latest_model(name)
        if latest is not None and latest.tags.get("digest") == tags["digest"]:
            return None
        if latest is None:
            self._ensure_model(name, description)
        run = self._call(self.client.create_run, self._experiment_id(), run_name=f"register {name}",
                         tags={"switchboard.registers": name})
        run_id = run.info.run_id
        for key, value in (params or {}).items():
            self._call(self.client.log_param, run_id, key, value)
        for key, value in (metrics or {}).items():
            self._call(self.client.log_metric, run_id, key, value)
        for path in files:
            self._call(self.client.log_artifact, run_id, str(path), folder)
        self._call(self.client.set_terminated, run_id)
        created = self._call(self.client.create_model_version, name, f"{run.info.artifact_uri}/{folder}",
                             run_id=run_id, tags=tags, description=description)
        version = int(created.version)
        if latest is None:
            self.move_alias("model", name, alias, version, why="first registration")
        return Change("model", name, version, latest is None)

    # -- resolving -------------------------------------------------------------------------------------

    def resolve(self, kind: Kind, name: str, alias: str) -> ItemVersion:
        """The version `alias` points at now."""
        if kind == "prompt":
            found = self._call(self.client.get_prompt_version_by_alias, name, alias)
            return ItemVersion("prompt", name, int(found.version), dict(found.tags or {}))
        found = self._call(self.client.get_model_version_by_alias, name, alias)
        return ItemVersion("model", name, int(found.version), dict(found.tags or {}), found.source)

    def aliases(self, kind: Kind, name: str) -> dict[str, int]:
        if kind == "prompt":
            info = self._call(self.client.get_prompt, name)
            if info is None:
                raise VersionStoreError(f"no prompt '{name}' in {self.tracking_uri}")
            # search_prompt_versions leaves `aliases` empty; each version fetched alone carries them
            versions = [self._call(self.client.get_prompt_version, name, v) for v in self._versions(kind, name)]
            return {a: int(v.version) for v in versions for a in (v.aliases or [])}
        model = self._call(self.client.get_registered_model, name)
        return {alias: int(version) for alias, version in (model.aliases or {}).items()}

    def fetch_prompt(self, name: str, version: int, source: Prompt) -> Prompt:
        """A registered prompt version as a Prompt named like its source (the caller's variables)."""
        found = self._call(self.client.get_prompt_version, name, version)

        return Prompt(source.name, int(found.version), source.role, found.template, source.agent,
                      found.commit_message or "", frozenset(_VARIABLE.findall(found.template)), source.optional)

    def download(self, item: ItemVersion, destination: Path) -> Path:
        """The version's artifact folder, downloaded once into `destination`/<name>/v<version>."""
        target = destination / item.name / f"v{item.version}"
        if (target / ".complete").exists():
            return Path((target / ".complete").read_text())
        target.mkdir(parents=True, exist_ok=True)
        from mlflow.artifacts import download_artifacts  # start-up time, as in __init__

        path = Path(self._call(download_artifacts, artifact_uri=item.source, dst_path=str(target),
                               tracking_uri=self.tracking_uri))
        (target / ".complete").write_text(str(path))
        return path

    # -- moving aliases --------------------------------------------------------------------------------

    def move_alias(self, kind: Kind, name: str, alias: str, version: int, *, why: str, by: str | None = None) -> None:
        """Points `alias` at `version` and appends it to the champion history (for rollback)."""
        if kind == "prompt":
            self._call(self.client.set_prompt_alias, name, alias, version)
        else:
            self._call(self.client.set_registered_model_alias, name, alias, str(version))
        stamp = {"by": by or _who(), "why": why, "at": datetime.now(UTC).isoformat(timespec="seconds")}
        self._tag_version(kind, name, version, f"{alias}.moved", json.dumps(stamp))
        if alias == "champion":
            history = self._history(kind, name) + [version]
            self._tag_item(kind, name, _HISTORY, ",".join(str(v) for v in history[-50:]))

    def rollback(self, kind: Kind, name: str, *, why: str, by: str | None = None,
                 alias: str = "champion") -> tuple[int, int]:
        """Moves `alias` back to the version that served before; returns (from, to)."""
        current = self.resolve(kind, name, alias).version
        history = self._history(kind, name)
        while history and history[-1] == current:
            history.pop()
        previous = history[-1] if history else None
        if previous is None:
            older = [v for v in self._versions(kind, name) if v < current]
            if not older:
                raise VersionStoreError(f"{name}: no version before v{current} to roll back to")
            previous = max(older)
        self.move_alias(kind, name, alias, previous, why=f"rollback from v{current}: {why}", by=by)
        # the moved-away version is no longer the head of the history: drop it so a second rollback goes further
        self._tag_item(kind, name, _HISTORY, ",".join(str(v) for v in history))
        self._tag_version(kind, name, previous, "rollback",
                          json.dumps({"from": current, "by": by or _who(), "why": why}))
        return current, previous

    # -- helpers ---------------------------------------------------------------------------------------

    def _call(self, function, *args, **kwargs):
        from mlflow.exceptions import MlflowException  # start-up time, as in __init__

        try:
            return function(*args, **kwargs)
        except MlflowException as exc:
            raise VersionStoreError(f"MLflow at {self.tracking_uri}: {exc.message}") from exc
        except OSError as exc:  # connection refused, timeouts (requests' errors are OSErrors)
            raise VersionStoreError(f"MLflow at {self.tracking_uri} is unreachable: {exc}") from exc

    def _latest_prompt(self, name: str):
        try:
            versions = self._call(self.client.search_prompt_versions, name)
        except VersionStoreError:
            if self._call(self.client.get_prompt, name) is None:
                return None
            raise
        return max(versions, key=lambda v: int(v.version)) if versions else None

    def _latest_model(self, name: str) -> ItemVersion | None:
        found = self._call(self.client.search_model_versions, f"name = '{name}'")
        if not found:
            return None
        latest = max(found, key=lambda v: int(v.version))
        return ItemVersion("model", name, int(latest.version), dict(latest.tags or {}), latest.source)

    def _versions(self, kind: Kind, name: str) -> list[int]:
        if kind == "prompt":
            return [int(v.version) for v in self._call(self.client.search_prompt_versions, name)]
        return [int(v.version) for v in self._call(self.client.search_model_versions, f"name = '{name}'")]

    def _ensure_model(self, name: str, description: str) -> None:
        from mlflow.exceptions import MlflowException  # start-up time, as in __init__

        try:
            self.client.create_registered_model(name, description=description)
        except MlflowException as exc:
            if "already exists" not in str(exc).lower():
                raise VersionStoreError(f"MLflow at {self.tracking_uri}: {exc.message}") from exc

    def _experiment_id(self) -> str:
        found = self._call(self.client.get_experiment_by_name, _EXPERIMENT)
        return found.experiment_id if found else self._call(self.client.create_experiment, _EXPERIMENT)

    def _history(self, kind: Kind, name: str) -> list[int]:
        if kind == "prompt":
            tags = (self._call(self.client.get_prompt, name).tags or {})
        else:
            tags = self._call(self.client.get_registered_model, name).tags or {}
        return [int(v) for v in tags.get(_HISTORY, "").split(",") if v]

    def _tag_item(self, kind: Kind, name: str, key: str, value: str) -> None:
        if kind == "prompt":
            self._call(self.client.set_prompt_tag, name, key, value)
        else:
            self._call(self.client.set_registered_model_tag, name, key, value)

    def _tag_version(self, kind: Kind, name: str, version: int, key: str, value: str) -> None:
        if kind == "prompt":
            self._call(self.client.set_prompt_version_tag, name, version, key, value)
        else:
            self._call(self.client.set_model_version_tag, name, str(version), key, value)


def _who() -> str:
    try:
        return os.environ.get("SWITCHBOARD_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
