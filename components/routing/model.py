"""The router: which agent answers a query, with how much confidence, or none (out_of_scope)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from components.config import load_config
from components.names import NO_PREVIOUS, OUT_OF_SCOPE
from components.routing.compiled import compile_router
from components.routing.devset import AGENTS, CONTEXT_TYPES
from components.routing.embedded import EmbeddingFeatures
from components.versions import VersionStore, VersionStoreError

__all__ = ["DEFAULT_ARTIFACT", "RouteDecision", "Router", "RouterLoadError", "load_router"]

DEFAULT_ARTIFACT = Path(__file__).resolve().parents[2] / "data" / "routing" / "router.joblib"


class RouterLoadError(RuntimeError):
    """The router artifact is missing or was made by an incompatible scikit-learn."""


@dataclass(frozen=True)
class RouteDecision:
    agent: str
    confidence: float
    in_scope: bool
    scores: dict[str, float]
    version: str


class Router:
    def __init__(self, pipeline: Pipeline, version: str, min_confidence: float = 0.35) -> None:
        self.pipeline = pipeline
        self.version = version
        self.min_confidence = min_confidence
        self._classes = list(pipeline.classes_)
        self._compiled = compile_router(pipeline)  # None: route with scikit-learn itself

    @property
    def conversational(self) -> bool:
        """Whether the previous turn's agent is one of its features (an embedding router's)."""
        return isinstance(self.pipeline.steps[0][1], EmbeddingFeatures)

    @property
    def embeds(self) -> bool:
        """Whether a route embeds the query with a model (milliseconds): an event loop asks it in a thread."""
        return self.conversational and not self.pipeline.steps[0][1].embedder.local

    def route(self, query: str, context_type: str = "none", previous_agent: str | None = None) -> RouteDecision:
        """`previous_agent`: the agent that answered the conversation's previous turn, which a conversational
        router weighs ("What else?" after a company question); others route on the question alone."""
        if context_type not in CONTEXT_TYPES:
            raise ValueError(f"unknown context type '{context_type}'; allowed: {', '.join(CONTEXT_TYPES)}")
        if not any(ch.isalnum() for ch in query):
            return RouteDecision(OUT_OF_SCOPE, 1.0, False, {OUT_OF_SCOPE: 1.0}, self.version)
        row = (query, context_type, previous_agent or NO_PREVIOUS)  # a router without the feature reads two
        if self._compiled is not None:
            probabilities = self._compiled.predict_proba(*row)
        else:
            probabilities = self.pipeline.predict_proba([row])[0]
        best = int(np.argmax(probabilities))
        agent, confidence = self._classes[best], float(probabilities[best])
        if confidence < self.min_confidence:
            agent = OUT_OF_SCOPE
        scores = {c: round(float(p), 4) for c, p in zip(self._classes, probabilities, strict=True)}
        return RouteDecision(agent, round(confidence, 4), agent != OUT_OF_SCOPE, scores, self.version)

    def save(self, path: Path, metrics: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline, path, compress=3)
        meta = {"version": self.version, "sklearn": sklearn.__version__, "agents": list(AGENTS),
                "min_confidence": self.min_confidence, "metrics": metrics}
        path.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def _champion_artifact() -> Path | None:
    """The artifact of the router MLflow's serving alias names, when a tracking URI is configured."""

    config = load_config()
    settings = config.mlflow
    if not settings.tracking_uri:
        return None

    store = VersionStore(settings.tracking_uri, settings.prefix, settings.timeout_s)
    try:
        item = store.resolve("model", store.name("router"), settings.alias)
        folder = store.download(item, Path(config.home) / "mlflow-cache")
    except VersionStoreError as exc:
        raise RouterLoadError(f"the '{settings.alias}' router in MLflow cannot be loaded: {exc}") from exc
    return next(folder.glob("*.joblib"), None)


def load_router(artifact: str | Path | None = None, min_confidence: float | None = None) -> Router:
    """Loads the production (champion) router.

    With no `artifact`: the version MLflow's serving alias (`mlflow.alias`, default champion) names when
    a tracking URI is configured, else the artifact shipped in the repo (tests, a stack without MLflow).
    """
    path = Path(artifact) if artifact else (_champion_artifact() or DEFAULT_ARTIFACT)
    meta_path = path.with_suffix(".json")
    if not path.exists() or not meta_path.exists():
        raise RouterLoadError(f"no router artifact at {path}: train one with `python -m components.routing.train`")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta["sklearn"] != sklearn.__version__:
        raise RouterLoadError(f"{path} was trained with scikit-learn {meta['sklearn']} but {sklearn.__version__} "
                              f"is installed: retrain with `python -m components.routing.train`")
    pipeline = joblib.load(path)
    return Router(pipeline, meta["version"], meta["min_confidence"] if min_confidence is None else min_confidence)
