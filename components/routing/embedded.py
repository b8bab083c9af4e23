"""Router features from a sentence embedder: what the query means, where it was asked, what came before.

The TF-IDF router (components/routing/features.py) knows the words its training rows used: "tips to prepare
for a product manager interview" went to general knowledge at 0.99 because "product manager" was general
knowledge's word. A sentence embedding puts it beside the career questions it means. Beside the vector:
the page context (a job page makes "am I a fit" likely), the previous turn's agent (so "What else?" or "Is
it hiring?" route from the conversation instead of from words that say nothing), the network lexicon's
flags (a known company named) and the policy categories' counts (features.py), and the query's shape.

A fitted EmbeddingFeatures records the embedder's version, never its weights: a pickled router stays a few
hundred kilobytes and, unpickled, asks the process's embedder of that version (refused loudly when the
process has another).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from components.names import CONTEXT_TYPES, NO_PREVIOUS, PREVIOUS
from components.retrieval.cache import embed_distinct
from components.retrieval.embedder import Embedder
from components.retrieval.registry import default_embedder, embedder_for_version
from components.routing.features import LEXICON_RULES, NetworkLexicon, word_features

__all__ = ["EmbeddingFeatures"]


class EmbeddingFeatures(BaseEstimator, TransformerMixin):
    """Inputs are (query, context_type) or (query, context_type, previous_agent) tuples."""

    def __init__(self, lexicon: NetworkLexicon | None = None, context_weight: float = 1.0,
                 previous_weight: float = 1.0, lexicon_weight: float = 1.0) -> None:
        self.lexicon = lexicon
        self.context_weight = context_weight
        self.previous_weight = previous_weight
        self.lexicon_weight = lexicon_weight

    def fit(self, inputs: Sequence[tuple], y: object = None) -> EmbeddingFeatures:
        self.embedder_version_ = default_embedder().version
        self.lexicon_rules_ = LEXICON_RULES  # a later change of the rules leaves this router routing as evaluated
        return self

    @property
    def embedder(self) -> Embedder:
        if getattr(self, "_embedder", None) is None:  # resolved once per process, never pickled (__getstate__)
            self._embedder = embedder_for_version(self.embedder_version_)
        return self._embedder

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_embedder", None)  # the version, not the weights: the process resolves its own
        return state

    def transform(self, inputs: Sequence[tuple]) -> np.ndarray:
        queries = [row[0] for row in inputs]
        # one query (a route) straight to the model; a batch (training, a report) through the per-text memo,
        # so the folds of a cross-validation embed each row once
        vectors = self.embedder.embed(queries) if len(queries) == 1 else embed_distinct(self.embedder, queries)
        return np.hstack([vectors, np.asarray([self.dense_row(*row) for row in inputs], dtype=np.float32)])

    def dense_row(self, query: str, context: str, previous: str | None = NO_PREVIOUS) -> list[float]:
        """The features after the embedding: context, previous agent, known names, policy categories, shape."""
        previous = previous or NO_PREVIOUS
        if previous not in PREVIOUS:
            raise ValueError(f"unknown previous agent '{previous}'; allowed: {', '.join(PREVIOUS)}")
        return ([self.context_weight if context == c else 0.0 for c in CONTEXT_TYPES]
                + [self.previous_weight if previous == p else 0.0 for p in PREVIOUS]
                + word_features(query, self.lexicon, self.lexicon_weight, self.lexicon_rules_))
