"""Embedding each text once: a corpus's vectors kept on disk, and texts that repeat embedded once per process.

The articles and the curated examples are the same few hundred texts in every new home, every Ray replica
that builds its article table and every test; with the model, 600 articles take seconds to embed. A
cache entry is named by the embedder's version and a digest of the texts in order, so another model,
another corpus or another order is another entry and a stale vector is never read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from components.retrieval.embedder import Embedder

__all__ = ["cache_dir", "embed_corpus", "embed_distinct"]


def cache_dir() -> Path:
    """`$SWITCHBOARD_EMBEDDINGS_CACHE`, else ~/.cache/switchboard/embeddings."""
    chosen = os.environ.get("SWITCHBOARD_EMBEDDINGS_CACHE")
    return Path(chosen) if chosen else Path.home() / ".cache" / "switchboard" / "embeddings"


def embed_corpus(embedder: Embedder, texts: Sequence[str], directory: Path | None = None) -> np.ndarray:
    """`embedder.embed(texts)`, read from the cache when these texts were embedded by this version before.
    A local embedder (the hashing one) is faster than the disk and is not cached."""
    if embedder.local:
        return embedder.embed(texts)
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:32]
    path = (directory or cache_dir()) / embedder.version / f"{digest}-{len(texts)}.npy"
    try:
        vectors = np.load(path)
        if vectors.shape == (len(texts), embedder.dim):
            return vectors
    except (OSError, ValueError):
        pass  # absent, or a torn or foreign file: embed again and replace it
    vectors = embedder.embed(texts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
        np.save(partial, vectors)
        partial.replace(path)  # atomic: a reader sees the whole array or none
    except OSError:
        pass  # a read-only home still embeds, only again next time
    return vectors


_VECTORS: dict[tuple[str, str], np.ndarray] = {}  # (embedder version, text) -> vector, in this process
_MAX_KEPT = 50_000  # about 75 MB of 384-wide vectors


def embed_distinct(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """`embedder.embed(texts)`, each distinct text embedded once per process: logged queries repeat ("Tell me
    about this company"), a skew check that runs again finds most of its texts embedded, and a router's
    cross-validation embeds its rows once for all folds rather than once a fold."""
    version = embedder.version
    missing = list(dict.fromkeys(t for t in texts if (version, t) not in _VECTORS))
    if missing:
        if len(_VECTORS) + len(missing) > _MAX_KEPT:
            _VECTORS.clear()
        _VECTORS.update(((version, t), v) for t, v in zip(missing, embedder.embed(missing), strict=True))
    return np.asarray([_VECTORS[(version, t)] for t in texts], dtype=np.float32).reshape(len(texts), embedder.dim)
