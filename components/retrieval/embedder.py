"""Text embedders. The embedded default needs no downloaded weights.

`HashingEmbedder` hashes word 1-2-grams and character 3-5-grams (the hashing trick is itself a sparse
random projection) into a fixed-width vector with sublinear term frequency and L2 normalisation. It is
deterministic across processes and machines, so its `version` fully identifies the vectors it makes: a
table written with one version must never be queried with another (see `check_version`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

__all__ = ["Embedder", "EmbedderMismatchError", "HashingEmbedder", "OpenAIEmbedder", "check_version"]


class EmbedderMismatchError(RuntimeError):
    """Vectors made by one embedder version were about to be compared with another's."""


class Embedder(ABC):
    """Maps texts to unit vectors. `version` changes whenever the vectors would.

    `local`: it computes in this process in well under a millisecond, so an event loop may call it
    directly; a remote embedder (an HTTP call) must run in a thread.
    """

    local: bool = True

    @property
    @abstractmethod
    def version(self) -> str: ...

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Returns a float32 array of shape (len(texts), dim) with unit rows (zero rows for empty text)."""


class HashingEmbedder(Embedder):
    def __init__(self, word_dim: int = 128, char_dim: int = 256) -> None:
        self._word = HashingVectorizer(n_features=word_dim, ngram_range=(1, 2), alternate_sign=True,
                                       norm=None, lowercase=True, token_pattern=r"(?u)\b\w+\b")
        self._char = HashingVectorizer(n_features=char_dim, analyzer="char_wb", ngram_range=(3, 5),
                                       alternate_sign=True, norm=None, lowercase=True)
        self._word_dim, self._char_dim = word_dim, char_dim

    @property
    def version(self) -> str:
        return f"hashing-v1-w{self._word_dim}-c{self._char_dim}"

    @property
    def dim(self) -> int:
        return self._word_dim + self._char_dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        blocks = []
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            for vectorizer in (self._word, self._char):
                counts = vectorizer.transform(texts)
                counts.data = np.sign(counts.data) * np.log1p(np.abs(counts.data))
                blocks.append(normalize(counts).toarray())
            return normalize(np.hstack(blocks)).astype(np.float32)


def check_version(expected: str, actual: str, what: str) -> None:
    if expected != actual:
        raise EmbedderMismatchError(
            f"{what} was embedded with '{expected}' but the query embedder is '{actual}': rebuild the "
            f"table or configure the matching embedder")


class OpenAIEmbedder(Embedder):
    """Embeddings from an OpenAI-compatible `/embeddings` endpoint (vLLM, TEI, a hosted API): production.

    `version` names the endpoint's model and dimension, so switching models forces a rebuild.
    """

    local = False

    def __init__(self, base_url: str, model: str, dim: int, api_key: str | None = None,
                 timeout_s: float = 10.0) -> None:
        import httpx

        self._model, self._dim = model, dim
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s)

    @property
    def version(self) -> str:
        return f"openai-{self._model}-d{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        response = self._client.post("/embeddings", json={"model": self._model, "input": list(texts)})
        response.raise_for_status()
        rows = sorted(response.json()["data"], key=lambda item: item["index"])
        vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        if vectors.shape != (len(texts), self._dim):
            raise ValueError(f"{self.version}: expected {len(texts)} x {self._dim} vectors, got {vectors.shape}")
        return normalize(vectors).astype(np.float32)
