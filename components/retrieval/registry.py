"""Embedders by kind, the project's default, and the embedder that made a stored version's vectors.

The default is the spec in mlflow/models/embedder.yaml (all-MiniLM-L6-v2 from its registry package). Where
that package is not installed, the hashing embedder stands in, with a warning: a machine without the model
still routes, searches and checks skew, by spelling instead of meaning, and every table it writes records
the hashing version, so nothing mixes the two.

    embedder = default_embedder()                    # one per process: the model loads once
    embedder = embedder_for_version(table_version)   # what reads a table another embedder built
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Mapping

from components.retrieval.embedder import Embedder, EmbedderMismatchError, HashingEmbedder, OpenAIEmbedder

__all__ = ["EMBEDDERS", "UnknownEmbedderError", "create_embedder", "default_embedder", "embedder_for_version"]

log = logging.getLogger(__name__)


class UnknownEmbedderError(ValueError):
    """An embedder kind no module provides."""


def _minilm(**params) -> Embedder:
    from components.retrieval.minilm import MiniLMEmbedder  # start-up time: onnxruntime loads with the weights

    return MiniLMEmbedder.installed(**params)


EMBEDDERS: dict[str, Callable[..., Embedder]] = {"hashing": HashingEmbedder, "minilm": _minilm,
                                                 "openai": OpenAIEmbedder}

_HASHING_VERSION = re.compile(r"^hashing-v1-w(\d+)-c(\d+)$")
_lock = threading.Lock()
_made: dict[tuple, Embedder] = {}


def create_embedder(kind: str, params: Mapping[str, object] | None = None) -> Embedder:
    """The embedder of `kind` with `params`, one per process for each (kind, params): an embedder with weights
    loads them once, however many tables, routers and searches use it."""
    if kind not in EMBEDDERS:
        raise UnknownEmbedderError(f"unknown embedder kind '{kind}'; registered: {', '.join(EMBEDDERS)}")
    key = (kind, tuple(sorted((params or {}).items())))
    with _lock:
        if key not in _made:
            _made[key] = EMBEDDERS[kind](**dict(params or {}))
        return _made[key]


# Settings for a batch job (a skew check, a table build) that has the machine's cores to itself: the model's
# second thread embeds long texts 1.5x as fast, where a replica answering turns keeps one for its other work.
_BULK: dict[str, dict[str, object]] = {"minilm": {"threads": 2}}


@functools.cache  # the spec is the repository's: read once, not on every route
def default_embedder(bulk: bool = False) -> Embedder:
    """The spec's embedder (mlflow/models/embedder.yaml), or the hashing embedder where its model is not installed.
    `bulk`: with the settings for a batch job (same vectors, same version)."""
    # start-up time: the versions package (and the engines its specs name) only where the default is asked for
    from components.models.install import ModelInstallError
    from components.versions.specs import load_embedder_spec

    spec = load_embedder_spec()
    try:
        return create_embedder(spec.kind, {**spec.params, **(_BULK.get(spec.kind, {}) if bulk else {})})
    except ModelInstallError as exc:
        log.warning("embedding with the hashing embedder: %s", exc)
        return create_embedder("hashing")


def embedder_for_version(version: str) -> Embedder:
    """The embedder whose vectors carry `version`: a table keeps being read by the embedder that wrote it
    until a rebuild. Raises EmbedderMismatchError when no embedder here makes such vectors."""
    if match := _HASHING_VERSION.match(version):
        return create_embedder("hashing", {"word_dim": int(match[1]), "char_dim": int(match[2])})
    candidate = default_embedder()
    if candidate.version != version:
        raise EmbedderMismatchError(f"vectors made by '{version}' but this process embeds with "
                                    f"'{candidate.version}': rebuild the table with the build_examples flow")
    return candidate
