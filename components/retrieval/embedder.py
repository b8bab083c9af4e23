"""Text embedders. The embedded default needs no downloaded weights.

`HashingEmbedder` hashes word 1-2-grams and character 3-5-grams (the hashing trick is itself a sparse
random projection) into a fixed-width vector with sublinear term frequency and L2 normalisation. It is
deterministic across processes and machines, so its `version` fully identifies the vectors it makes: a
table written with one version must never be queried with another (see `check_version`).

Its vectors are scikit-learn's (two `HashingVectorizer`s, log-scaled counts, `normalize`) bit for bit,
computed without scikit-learn's per-call machinery: input validation and sparse matrices cost a query
about 0.5 ms hot and 1.5 ms after a pause, on the online path while a turn waits for its route; this
costs half of that. tests/components/retrieval/test_embedder.py holds the scikit-learn reference.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

import numpy as np
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32

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
        self._word_dim, self._char_dim = word_dim, char_dim
        self._word_bucket, self._char_bucket = _bucketer(word_dim), _bucketer(char_dim)

    @property
    def version(self) -> str:
        return f"hashing-v1-w{self._word_dim}-c{self._char_dim}"

    @property
    def dim(self) -> int:
        return self._word_dim + self._char_dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dim))
        for row, text in enumerate(texts):
            text = text.lower()
            values = [0.0] * self.dim
            _fill_block(values, 0, _word_grams(text), self._word_bucket)
            _fill_block(values, self._word_dim, _char_wb_grams(text), self._char_bucket)
            vectors[row] = values
        # as sklearn.preprocessing.normalize does a dense array, so the result is its own to the last bit
        norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
        norms[norms == 0.0] = 1.0
        vectors /= norms[:, np.newaxis]
        return vectors.astype(np.float32)


# HashingVectorizer(lowercase=True, token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2)) and
# HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5)), with alternate_sign=True and norm=None.
_TOKEN = re.compile(r"(?u)\b\w+\b")
_WHITE_SPACES = re.compile(r"\s\s+")
_LOG1P = np.log1p(np.arange(4096, dtype=np.float64)).tolist()  # numpy's log1p, as sklearn applies it


def _word_grams(text: str) -> list[str]:
    tokens = _TOKEN.findall(text)
    return tokens + [f"{first} {second}" for first, second in zip(tokens, tokens[1:], strict=False)]


def _char_wb_grams(text: str) -> list[str]:
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        word = f" {word} "
        for n in (3, 4, 5):
            grams.append(word[:n])
            if len(word) <= n:  # a short word counts once
                break
            grams.extend(word[i:i + n] for i in range(1, len(word) - n + 1))
    return grams


@cache  # one gram cache per width, shared by every embedder in the process
def _bucketer(n_features: int) -> Callable[[str], tuple[int, int]]:
    """A gram's column and sign, as sklearn's FeatureHasher computes them (MurmurHash3, seed 0)."""

    @lru_cache(maxsize=1 << 15)  # grams repeat across queries
    def bucket(gram: str) -> tuple[int, int]:
        h = murmurhash3_32(gram, seed=0)
        column = (2147483647 - (n_features - 1)) % n_features if h == -2147483648 else abs(h) % n_features
        return column, 1 if h >= 0 else -1

    return bucket


def _log1p(count: int) -> float:
    if count < 0:
        return -_log1p(-count)
    return _LOG1P[count] if count < len(_LOG1P) else float(np.log1p(np.float64(count)))


def _fill_block(values: list[float], offset: int, grams: list[str], bucket: Callable[[str], tuple[int, int]]) -> None:
    """Writes one block's log-scaled, L2-normalised counts, summing in column order as sklearn's CSR code does."""
    counts: dict[int, int] = {}
    for gram, times in Counter(grams).items():
        column, sign = bucket(gram)
        counts[column] = counts.get(column, 0) + sign * times
    columns = sorted(counts.items())
    scaled = [_log1p(count) for _, count in columns]
    total = 0.0
    for value in scaled:
        total += value * value
    if total == 0.0:
        return
    norm = math.sqrt(total)
    for (column, _), value in zip(columns, scaled, strict=True):
        values[offset + column] = value / norm


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
        import httpx  # start-up time: only a remote embedder needs an HTTP client

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
