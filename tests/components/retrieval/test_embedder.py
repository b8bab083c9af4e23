import numpy as np
import pytest

from components.retrieval import EmbedderMismatchError, HashingEmbedder, check_version


def test_vectors_are_unit_deterministic_and_semantic_enough():
    embedder = HashingEmbedder()
    first = embedder.embed(["negotiate my salary offer", "how to negotiate a job offer", "pizza recipe"])
    again = HashingEmbedder().embed(["negotiate my salary offer", "how to negotiate a job offer", "pizza recipe"])
    assert first.shape == (3, embedder.dim) and first.dtype == np.float32
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1, rtol=1e-5)
    assert first[0] @ first[1] > 0.3 > abs(first[0] @ first[2])


def test_empty_text_is_a_zero_vector():
    assert not HashingEmbedder().embed([""]).any()


def test_version_mismatch_is_refused_loudly():
    check_version("hashing-v1-w128-c256", HashingEmbedder().version, "examples table")
    with pytest.raises(EmbedderMismatchError, match="rebuild the table"):
        check_version("hashing-v1-w64-c64", HashingEmbedder().version, "examples table")


def _sklearn_reference(texts: list[str], word_dim: int = 128, char_dim: int = 256) -> np.ndarray:
    """The pipeline HashingEmbedder's vectors were first made with, and must stay identical to."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.preprocessing import normalize

    blocks = []
    for vectorizer in (HashingVectorizer(n_features=word_dim, ngram_range=(1, 2), alternate_sign=True, norm=None,
                                         lowercase=True, token_pattern=r"(?u)\b\w+\b"),
                       HashingVectorizer(n_features=char_dim, analyzer="char_wb", ngram_range=(3, 5),
                                         alternate_sign=True, norm=None, lowercase=True)):
        counts = vectorizer.transform(texts)
        counts.data = np.sign(counts.data) * np.log1p(np.abs(counts.data))
        blocks.append(normalize(counts).toarray())
    return normalize(np.hstack(blocks)).astype(np.float32)


def test_vectors_are_scikit_learns_bit_for_bit():
    from components.retrieval import load_examples
    from components.routing.devset import load_dev_set

    texts = [row["query"] for row in load_dev_set()[:1500]] + [f"{e.agent}: {e.query}" for e in load_examples()]
    texts += ["", "   ", "a", "ab", "abc", "x  y", "Ünïcödé  façade\tnaïve\n\nrésumé", "C++ & C# dev-ops/ML lead",
              "日本語のテキスト 東京", "İstanbul ΣΑΣ ß ǅ", "the the the the " * 40, "\u200bzero\u200bwidth"]
    np.testing.assert_array_equal(HashingEmbedder().embed(texts), _sklearn_reference(texts))
    np.testing.assert_array_equal(HashingEmbedder(64, 32).embed(texts[:200]), _sklearn_reference(texts[:200], 64, 32))
