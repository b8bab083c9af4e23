"""Model pins and the embedder spec: the sources in mlflow/models/ that register as MLflow models.

A pin names an engine, a model id and an exact revision, with the sampling settings, and never holds
weights: the deployment that serves it loads the weights from its own cache or volume. Deployment
settings (URLs, GPU memory, timeouts) stay in the Switchboard configuration; the pin decides *what*
serves, the configuration *how*.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from components.engines import EngineConfig

__all__ = ["MODELS_DIR", "EmbedderSpec", "ModelPin", "Sampling", "SpecError", "load_embedder_spec", "load_pins",
           "pins_dir"]

MODELS_DIR = Path(__file__).resolve().parents[2] / "mlflow" / "models"


class SpecError(ValueError):
    """A pin or embedder spec is malformed."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def digest(self) -> str:
        """Identity of the content, without the commit message: a new version only when this changes."""
        content = self.model_dump(mode="json", exclude={"commit_message"})
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


class Sampling(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    top_p: float = Field(1.0, gt=0, le=1, description="Nucleus sampling mass.")
    max_tokens: int = Field(600, ge=1, le=32768, description="Most tokens one stream may write.")


class ModelPin(_Spec):
    name: str = Field(pattern=r"^[a-z_]+$", description="Pin name; the MLflow model is '<prefix>.<name>'.")
    role: str = Field(pattern=r"^(planner|generator|judge)$", description="Engine role the pin serves.")
    engine: str = Field(description="Registered engine kind: extractive, sim, openai, vllm.")
    model: str = Field(min_length=1, description="Model id (hub id, served name or local path).")
    revision: str = Field(min_length=1, description="Exact revision of the weights (a commit sha), never 'main'.")
    sampling: Sampling = Field(default_factory=Sampling, description="Sampling settings sent with each request.")
    commit_message: str = Field("", description="Why this pin changed; recorded on the MLflow version.")

    @property
    def ref(self) -> str:
        return f"{self.engine}:{self.model}@{self.revision}"

    def engine_config(self, base: EngineConfig) -> EngineConfig:
        """`base` (the deployment's settings) serving this pin's engine, model and revision."""
        update: dict = {"kind": self.engine}
        if self.engine == "openai":
            update["openai"] = base.openai.model_copy(update={"model": self.model})
        elif self.engine == "vllm":
            update["vllm"] = base.vllm.model_copy(update={"model": self.model, "revision": self.revision})
        return base.model_copy(update=update)


class EmbedderSpec(_Spec):
    name: str = Field("embedder", pattern=r"^[a-z_]+$")
    kind: str = Field(description="Embedder implementation: hashing (weight-free) or openai.")
    version: str = Field(min_length=1, description="Version string the examples table records and checks.")
    params: dict[str, int | float | str] = Field(default_factory=dict, description="Constructor arguments.")
    commit_message: str = ""


def _read(path: Path, model: type[_Spec]) -> _Spec:
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise SpecError(f"{path}: not a valid {model.__name__}: {exc}") from None


def pins_dir(config) -> Path:
    """The pin sources a configuration syncs: `mlflow.pins_dir` (relative to the repository) or mlflow/models."""
    chosen = config.mlflow.pins_dir
    if chosen is None:
        return MODELS_DIR
    return chosen if chosen.is_absolute() else MODELS_DIR.parents[1] / chosen


def load_pins(directory: Path = MODELS_DIR) -> dict[str, ModelPin]:
    """Every model pin in `directory` (files other than embedder.yaml), by name."""
    pins = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.stem == "embedder":
            continue
        pin = _read(path, ModelPin)
        if pin.name != path.stem:
            raise SpecError(f"{path}: file name must be the pin name '{pin.name}.yaml'")
        pins[pin.name] = pin
    return pins


def load_embedder_spec(directory: Path = MODELS_DIR) -> EmbedderSpec:
    return _read(directory / "embedder.yaml", EmbedderSpec)
