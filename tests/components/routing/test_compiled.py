"""The compiled routers: the pipeline's probabilities without scikit-learn's per-call work, or nothing."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from components.routing import load_router
from components.routing.compiled import CompiledEmbeddingRouter, CompiledRouter, compile_router
from components.routing.devset import load_dev_set
from components.routing.model import Router
from components.routing.train import build_lexicon, train

ROUTER = load_router()  # the shipped router: sentence embeddings


@pytest.fixture(scope="module")
def tfidf_router() -> Router:
    """The router before embeddings, fitted here: its compiled form is still used by routers registered then."""
    from components.routing.train import build_tfidf_pipeline

    return train(load_dev_set(), build_lexicon(), 0.45, build=build_tfidf_pipeline)


def test_the_shipped_router_is_compiled_and_equals_its_pipeline_on_dev_rows_with_and_without_a_previous_agent():
    compiled = compile_router(ROUTER.pipeline)
    assert isinstance(compiled, CompiledEmbeddingRouter)
    rows = load_dev_set()[::25]
    inputs = [(r["query"], r["context_type"], r["previous"]) for r in rows]
    assert {previous for *_, previous in inputs} > {"none"}
    expected = ROUTER.pipeline.predict_proba(inputs)
    got = np.stack([compiled.predict_proba(*row) for row in inputs])
    assert np.abs(got - expected).max() < 1e-5  # one row against a batch: float32 rounding in the encoder
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_the_tfidf_router_is_compiled_and_equals_its_pipeline_on_the_whole_dev_set(tfidf_router):
    compiled = compile_router(tfidf_router.pipeline)
    assert isinstance(compiled, CompiledRouter)
    rows = load_dev_set()
    expected = tfidf_router.pipeline.predict_proba([(r["query"], r["context_type"]) for r in rows])
    got = np.stack([compiled.predict_proba(r["query"], r["context_type"]) for r in rows])
    assert np.abs(got - expected).max() < 1e-9
    for query in ("zzzz qqqq", "ok", "Ω", "1234 5678"):  # no known terms: still the pipeline's answer
        expected = tfidf_router.pipeline.predict_proba([(query, "none")])[0]
        assert np.allclose(compiled.predict_proba(query, "none"), expected, rtol=0, atol=1e-9)


def test_another_classifier_is_not_compiled_and_routes_with_scikit_learn():
    rows = load_dev_set()[:300]
    inputs, labels = [(r["query"], r["context_type"], r["previous"]) for r in rows], [r["agent"] for r in rows]
    features = clone(ROUTER.pipeline.steps[0][1])
    tree = Pipeline([("features", features), ("classifier", DecisionTreeClassifier(random_state=0))])
    tree.fit(inputs, labels)
    assert compile_router(tree) is None
    router = Router(tree, "tree-v1", min_confidence=0.0)
    for query, context, previous in inputs[:20]:
        assert router.route(query, context, previous).agent == tree.predict([(query, context, previous)])[0]


@pytest.mark.parametrize("compiled_class", [CompiledRouter, CompiledEmbeddingRouter])
def test_a_compiled_router_that_disagrees_with_its_pipeline_is_refused(compiled_class, tfidf_router, monkeypatch,
                                                                       caplog):
    real = compiled_class.predict_proba
    monkeypatch.setattr(compiled_class, "predict_proba", lambda self, *row: np.roll(real(self, *row), 1))
    pipeline = tfidf_router.pipeline if compiled_class is CompiledRouter else ROUTER.pipeline
    assert compile_router(pipeline) is None
    assert "differs from its pipeline" in caplog.text


def test_routes_are_the_same_either_way():
    slow = Router(ROUTER.pipeline, ROUTER.version)
    slow._compiled = None
    for row in load_dev_set()[::97]:
        args = (row["query"], row["context_type"], row["previous"])
        fast, reference = ROUTER.route(*args), slow.route(*args)
        assert fast.agent == reference.agent and abs(fast.confidence - reference.confidence) < 1e-4
