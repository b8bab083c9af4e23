"""The fitted router's probabilities for one query without scikit-learn's per-call machinery.

For one query, scikit-learn spends nearly all of a route checking inputs, building sparse matrices and
stacking them: about 0.9 ms on a warm core, 2-3 ms in a Serve replica that sat idle for a turn. The
arithmetic itself is a few hundred multiply-adds. `CompiledRouter` does that arithmetic with the
fitted vocabularies, idf weights and coefficients. `compile_router` hands one out only when it
reproduces the pipeline's probabilities on probe queries; otherwise (another model, another scikit-learn)
it returns None and the router keeps calling the pipeline.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from components.names import NO_PREVIOUS
from components.routing.devset import CONTEXT_TYPES
from components.routing.embedded import EmbeddingFeatures
from components.routing.features import RouterFeatures

__all__ = ["CompiledEmbeddingRouter", "CompiledRouter", "compile_router"]

log = logging.getLogger(__name__)

_PROBES = ["Am I a good fit for this job?", "What are the key takeaways from this post?",
           "Tell me about this company", "How do I prepare for a behavioural interview?",
           "wat skills shoud i lern next for data enginering", "Write me a poem about the sea",
           "Is Acme hiring remote product managers in Berlin?", "?!", "ok", "résumé tips — quick ones please"]


class CompiledRouter:
    def __init__(self, features: RouterFeatures, classifier: LogisticRegression) -> None:
        self._features = features
        self._blocks, offset = [], 0
        for vectorizer in (features.words_, features.chars_):
            self._blocks.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_,
                                 vectorizer.sublinear_tf, offset))
            offset += len(vectorizer.vocabulary_)
        self._coef, self._dense_coef = classifier.coef_, classifier.coef_[:, offset:]
        self._intercept = classifier.intercept_

    def predict_proba(self, query: str, context: str, previous: str | None = None) -> np.ndarray:
        """What `pipeline.predict_proba([(query, context)])[0]` returns, to float rounding; this router has no
        `previous` feature."""
        scores = self._intercept + self._dense_coef @ np.asarray(self._features.dense_row(query, context))
        for analyze, vocabulary, idf, sublinear, offset in self._blocks:
            counts: dict[int, int] = {}
            for term in analyze(query):
                index = vocabulary.get(term)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if not counts:
                continue
            indices = np.fromiter(counts, dtype=np.intp, count=len(counts))
            weights = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if sublinear:
                weights = np.log(weights) + 1
            weights *= idf[indices]
            weights /= np.sqrt(weights @ weights)  # each TF-IDF block is l2-normalised on its own
            scores = scores + self._coef[:, offset + indices] @ weights
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


class CompiledEmbeddingRouter:
    """An embedding router's probabilities: the query's vector and features, then the classifier's arithmetic
    (scikit-learn's checks cost more than the product itself)."""

    def __init__(self, features: EmbeddingFeatures, classifier: LogisticRegression) -> None:
        self._features, self._coef, self._intercept = features, classifier.coef_, classifier.intercept_

    def predict_proba(self, query: str, context: str, previous: str | None = None) -> np.ndarray:
        row = self._features.transform([(query, context, previous or NO_PREVIOUS)])[0]
        scores = self._intercept + self._coef @ row
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


def _compilable(vectorizer: object) -> bool:
    return (isinstance(vectorizer, TfidfVectorizer) and vectorizer.norm == "l2" and vectorizer.use_idf
            and not vectorizer.binary)


def compile_router(pipeline: Pipeline) -> CompiledRouter | CompiledEmbeddingRouter | None:
    """A compiled router equal to `pipeline` on the probe queries, or None when the pipeline is another shape."""
    steps = [step for _, step in pipeline.steps]
    if len(steps) != 2 or not isinstance(steps[1], LogisticRegression) or len(steps[1].classes_) <= 2:
        return None
    features, classifier = steps
    if isinstance(features, EmbeddingFeatures):
        compiled = CompiledEmbeddingRouter(features, classifier)
        inputs = [(query, context, NO_PREVIOUS) for query, context in zip(_PROBES, CONTEXT_TYPES * 2, strict=False)]
    elif (isinstance(features, RouterFeatures) and _compilable(features.words_) and _compilable(features.chars_)):
        compiled = CompiledRouter(features, classifier)
        inputs = [(query, context) for query in _PROBES for context in CONTEXT_TYPES]
    else:
        return None
    expected = pipeline.predict_proba(inputs)
    got = np.stack([compiled.predict_proba(*row) for row in inputs])
    # an embedding's batch and single rows differ in float32 rounding: 1e-6, not 1e-9
    tolerance = 1e-5 if isinstance(compiled, CompiledEmbeddingRouter) else 1e-9
    if not np.allclose(got, expected, rtol=0, atol=tolerance):
        log.warning("the compiled router differs from its pipeline by %.3g; routing with scikit-learn",
                    float(np.abs(got - expected).max()))
        return None
    return compiled
