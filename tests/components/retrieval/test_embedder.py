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
