"""Model weights that ship inside registry packages: which ones, checked by digest, converted once into a
checkpoint vLLM loads (`make model`). Nothing is ever fetched from a model hub.

The conversion runs in the vLLM environment (`.venv-vllm`, which has torch and transformers); the catalog
and the paths are plain Python, read from either environment.
"""

from components.models.catalog import (
    CATALOG,
    INSTALLED_MARKER,
    ModelSource,
    checkpoint_dir,
    installed_path,
    model_source,
)

__all__ = ["CATALOG", "INSTALLED_MARKER", "ModelSource", "checkpoint_dir", "installed_path", "model_source"]
