"""Installs a catalogued model: finds the file its registry package shipped, checks its sha256, and
converts it once into a bf16 safetensors checkpoint vLLM's CPU build loads (it has no GGUF loader).

Runs in the vLLM environment (torch, transformers and gguf are there, not in the main one):

    .venv-vllm/bin/python -m components.models.install smollm2-135m-instruct --home .switchboard

Prints the checkpoint's directory. Idempotent: a directory that holds a finished conversion of the same
digest is kept. transformers reads a GGUF (`gguf_file=`) but refuses `save_pretrained` on the model it
dequantised, so the state dict is written with safetensors and the config without its quantization entry;
the tokenizer keeps the chat template the GGUF carries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from importlib import metadata
from pathlib import Path

from components.models.catalog import INSTALLED_MARKER, ModelSource, installed_path, model_source

__all__ = ["ModelInstallError", "install", "shipped_file"]


class ModelInstallError(RuntimeError):
    """The package is missing or another version, or its file is not the catalogued one."""


def shipped_file(source: ModelSource) -> Path:
    """The weights file as the installed package holds it, after checking the package version and the digest."""
    try:
        distribution = metadata.distribution(source.package)
    except metadata.PackageNotFoundError:
        raise ModelInstallError(f"{source.package} is not installed in {sys.prefix}: run `{source.installed_by}`") \
            from None
    if distribution.version != source.version:
        raise ModelInstallError(f"{source.package} {distribution.version} is installed; the catalog pins "
                                f"{source.version}")
    path = Path(distribution.locate_file(f"{source.module}/{source.file}"))
    if not path.is_file():
        raise ModelInstallError(f"{source.package} {source.version} has no {source.file} at {path}")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != source.sha256:
        raise ModelInstallError(f"{path}: sha256 {digest.hexdigest()}, expected {source.sha256}: not the "
                                "catalogued weights")
    return path


def _convert(gguf: Path, target: Path) -> None:
    # the vLLM environment's libraries: this function never runs in the main environment
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    state = model.state_dict()
    if model.config.tie_word_embeddings:  # one tensor under two names: safetensors keeps the embedding only
        state.pop("lm_head.weight", None)
    save_file({name: tensor.contiguous() for name, tensor in state.items()}, target / "model.safetensors",
              metadata={"format": "pt"})
    config = model.config.to_dict()
    for key in ("quantization_config", "_name_or_path"):  # the GGUF's packing, and a path on this machine
        config.pop(key, None)
    config["architectures"] = [type(model).__name__]  # what vLLM picks its implementation by (GGUF has none)
    config["torch_dtype"] = config["dtype"] = "bfloat16"
    (target / "config.json").write_text(json.dumps(config, indent=2))
    model.generation_config.to_json_file(target / "generation_config.json")
    tokenizer.save_pretrained(target)


def install(name: str, home: Path) -> Path:
    """The checkpoint directory of `name`, converting it first unless a finished conversion is there."""
    source = model_source(name)
    target = installed_path(home, source.name, source.digest)
    if (target / INSTALLED_MARKER).exists():
        return target
    gguf = shipped_file(source)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    _convert(gguf, partial)
    (partial / INSTALLED_MARKER).write_text(json.dumps({**source.model_dump(), "digest": source.digest}, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)  # a crash leaves a .partial directory, never a checkpoint that looks finished
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="A catalogued model, e.g. smollm2-135m-instruct")
    parser.add_argument("--home", type=Path, required=True, help="$SWITCHBOARD_HOME")
    args = parser.parse_args(argv)
    try:
        print(install(args.name, args.home))
    except (KeyError, ModelInstallError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
