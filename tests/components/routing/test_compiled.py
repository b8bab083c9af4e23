"""The compiled router: the pipeline's probabilities without scikit-learn's per-call work, or nothing."""

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.tree import DecisionTreeClassifier

from components.routing import load_router
from components.routing.compiled import CompiledRouter, compile_router
from components.routing.devset import load_dev_set
from components.routing.model import Router

ROUTER = load_router()


def test_the_shipped_router_is_compiled_and_equals_its_pipeline_on_the_whole_dev_set():
    compiled = compile_router(ROUTER.pipeline)
    assert compiled is not None
    rows = load_dev_set()
    expected = ROUTER.pipeline.predict_proba([(r["query"], r["context_type"]) for r in rows])
    got = np.stack([compiled.predict_proba(r["query"], r["context_type"]) for r in rows])
    assert np.abs(got - expected).max() < 1e-9
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_a_query_with_no_known_terms_still_gets_the_pipelines_answer():
    compiled = compile_router(ROUTER.pipeline)
    for query in ("zzzz qqqq", "ok", "Ω", "1234 5678"):
        expected = ROUTER.pipeline.predict_proba([(query, "none")])[0]
        assert np.allclose(compiled.predict_proba(query, "none"), expected, rtol=0, atol=1e-9)


def test_another_classifier_is_not_compiled_and_routes_with_scikit_learn():
    rows = load_dev_set()[:300]
    inputs, labels = [(r["query"], r["context_type"]) for r in rows], [r["agent"] for r in rows]
    features = clone(ROUTER.pipeline.steps[0][1])
    tree = Pipeline([("features", features), ("classifier", DecisionTreeClassifier(random_state=0))])
    tree.fit(inputs, labels)
    assert compile_router(tree) is None
    router = Router(tree, "tree-v1", min_confidence=0.0)
    for query, context in inputs[:20]:
        assert router.route(query, context).agent == tree.predict([(query, context)])[0]


def test_a_compiled_router_that_disagrees_with_its_pipeline_is_refused(monkeypatch, caplog):
    real = CompiledRouter.predict_proba
    monkeypatch.setattr(CompiledRouter, "predict_proba", lambda self, q, c: np.roll(real(self, q, c), 1))
    assert compile_router(ROUTER.pipeline) is None
    assert "differs from its pipeline" in caplog.text


def test_routes_are_the_same_either_way():
    slow = Router(ROUTER.pipeline, ROUTER.version)
    slow._compiled = None
    for row in load_dev_set()[::40]:
        assert slow.route(row["query"], row["context_type"]) == ROUTER.route(row["query"], row["context_type"])
