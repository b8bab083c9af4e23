"""Trains the router on the dev set and prints a per-class report on a held-out split.

    python -m components.routing.train            # train, report, write data/routing/router.joblib
    python -m components.routing.train --report   # report only, artifact untouched

The report is on held-out seeds: five folds grouped by seed (a hand-written query and all its noisy
variants), each row predicted by a model trained without its seed. That measures generalisation to
new phrasings, not recall of near-duplicates, and uses every row instead of one noisy 20% split.
"""

from __future__ import annotations

import argparse
import hashlib

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, classification_report
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from components.names import NO_PREVIOUS, OUT_OF_SCOPE
from components.network import vocabulary as vocab
from components.network.store import NetworkStore
from components.network.titles import LADDER, title_at
from components.routing.devset import AGENTS, DEV_SET, load_dev_set
from components.routing.embedded import EmbeddingFeatures
from components.routing.features import NetworkLexicon, RouterFeatures
from components.routing.model import DEFAULT_ARTIFACT, Router, load_router

__all__ = ["build_pipeline", "build_tfidf_pipeline", "calibrate", "held_out_folds", "held_out_report", "report",
           "train"]

FOLDS = 5
# Below the top-class probability chosen here the router declines: calibrated on the out-of-fold
# probabilities of the grouped folds, as the cut that routes them most accurately (out_of_scope is a class
# of its own as well, so a low cut is often best).
CONFIDENCE_CUTS = tuple(round(0.2 + 0.05 * i, 2) for i in range(13))


def build_lexicon(store: NetworkStore | None = None) -> NetworkLexicon:
    store = store or NetworkStore.load()
    return NetworkLexicon(
        companies=[c.name for c in store.companies.values()],
        # every rung's title: a director heads a field ("Director of Category Management"), not the role
        roles=[title_at(role, seniority) for spec in vocab.INDUSTRIES.values() for role in spec["roles"]
               for seniority in LADDER],
        skills=[s for spec in vocab.INDUSTRIES.values() for skills in spec["roles"].values() for s in skills],
        people=[m.name for m in store.members.values()],
    )


def build_pipeline(lexicon: NetworkLexicon) -> Pipeline:
    """The query's sentence embedding, page, previous agent, known names and policy categories, into a
    logistic regression (C and the weights chosen on the grouped folds, docs/routing.md)."""
    return Pipeline([
        ("features", EmbeddingFeatures(lexicon=lexicon, context_weight=1.0, previous_weight=1.0, lexicon_weight=1.0)),
        ("classifier", LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")),
    ])


def build_tfidf_pipeline(lexicon: NetworkLexicon) -> Pipeline:
    """The router before embeddings: word and character TF-IDF, page and lexicons (benchmarks compare it)."""
    return Pipeline([
        ("features", RouterFeatures(lexicon=lexicon, context_weight=1.0, lexicon_weight=6.0)),
        ("classifier", LogisticRegression(C=16.0, max_iter=3000, class_weight="balanced")),
    ])


def held_out_folds(rows: list[dict]) -> list[tuple[list[dict], list[dict]]]:
    """(train, held-out) pairs; every seed is held out exactly once."""
    folds = GroupKFold(n_splits=FOLDS).split(rows, groups=[r["seed"] for r in rows])
    return [([rows[i] for i in train], [rows[i] for i in test]) for train, test in folds]


def _xy(rows: list[dict]) -> tuple[list[tuple[str, str, str]], list[str]]:
    return [(r["query"], r["context_type"], r.get("previous", NO_PREVIOUS)) for r in rows], [r["agent"] for r in rows]


def _out_of_fold(rows: list[dict], lexicon: NetworkLexicon) -> tuple[list[dict], np.ndarray, list[str]]:
    """Every row's probabilities from a model fitted without its seed: (rows, probabilities, classes)."""
    held_out, probabilities, classes = [], [], []
    for train_rows, test_rows in held_out_folds(rows):
        inputs, labels = _xy(train_rows)
        pipeline = build_pipeline(lexicon).fit(inputs, labels)
        held_out += test_rows
        probabilities.append(pipeline.predict_proba(_xy(test_rows)[0]))
        classes = list(pipeline.classes_)
    return held_out, np.vstack(probabilities), classes


def _decide(probabilities: np.ndarray, classes: list[str], cut: float) -> list[str]:
    best = probabilities.argmax(axis=1)
    return [classes[i] if probabilities[row, i] >= cut else OUT_OF_SCOPE for row, i in enumerate(best)]


def calibrate(rows: list[dict], probabilities: np.ndarray, classes: list[str]) -> float:
    """The confidence cut under which the router declines: the most accurate on out-of-fold probabilities."""
    truth = [r["agent"] for r in rows]
    return max(CONFIDENCE_CUTS, key=lambda cut: (accuracy_score(truth, _decide(probabilities, classes, cut)), -cut))


def held_out_report(rows: list[dict], lexicon: NetworkLexicon) -> dict:
    """Metrics over out-of-fold predictions of seed-grouped folds, at the calibrated cut (`min_confidence`)."""
    held_out, probabilities, classes = _out_of_fold(rows, lexicon)
    cut = calibrate(held_out, probabilities, classes)
    return {**report(held_out, _decide(probabilities, classes, cut)), "min_confidence": cut}


def report(rows: list[dict], predicted: list[str]) -> dict:
    truth = [r["agent"] for r in rows]
    report = classification_report(truth, predicted, labels=list(AGENTS), output_dict=True, zero_division=0)
    return {"accuracy": accuracy_score(truth, predicted), "n": len(rows),
            "per_class": {a: {k: report[a][k] for k in ("precision", "recall", "f1-score", "support")}
                          for a in AGENTS},
            "errors": [{"query": r["query"], "context": r["context_type"], "truth": t, "predicted": p}
                       for r, t, p in zip(rows, truth, predicted, strict=True) if t != p]}


def train(rows: list[dict], lexicon: NetworkLexicon, min_confidence: float = 0.2, build=build_pipeline) -> Router:
    """A router fitted on every row; `min_confidence` is the cut `held_out_report` calibrated."""
    inputs, labels = _xy(rows)
    pipeline = build(lexicon).fit(inputs, labels)
    # What was fitted, not only the rows: new features or settings on the same dev set make another router.
    # (A pickle is no digest: its sets follow the process's string hashing.)
    features, classifier = pipeline.named_steps["features"], pipeline.named_steps["classifier"]
    fitted = hashlib.sha256()
    if isinstance(features, EmbeddingFeatures):
        fitted.update(features.embedder_version_.encode())
        kind = "embed"
    else:
        for vectorizer in (features.words_, features.chars_):
            fitted.update(" ".join(sorted(vectorizer.vocabulary_)).encode())
        kind = "logreg"
    for array in (classifier.coef_, classifier.intercept_):
        fitted.update(array.round(8).tobytes())
    digest = fitted.hexdigest()[:10]
    return Router(pipeline, version=f"router-{kind}-{digest}", min_confidence=min_confidence)


def print_report(metrics: dict, console: Console) -> None:
    table = Table(title=f"Router on held-out seeds, {FOLDS} grouped folds "
                        f"(n={metrics['n']}, accuracy {metrics['accuracy']:.3f})")
    for column in ("agent", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "agent" else "right")
    for agent, m in metrics["per_class"].items():
        table.add_row(agent, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1-score']:.3f}",
                      str(int(m["support"])))
    console.print(table)
    for error in metrics["errors"][:15]:
        console.print(f"  [dim]{error['truth']:>22} -> {error['predicted']:<22}[/dim] "
                      f"{error['query']!r} ({error['context']})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the router and report per-class precision/recall.")
    parser.add_argument("--report", action="store_true", help="only evaluate; do not write the artifact")
    args = parser.parse_args(argv)
    console = Console()
    rows = load_dev_set(DEV_SET)
    lexicon = build_lexicon()
    metrics = held_out_report(rows, lexicon)
    print_report(metrics, console)
    if args.report:
        router = load_router(DEFAULT_ARTIFACT)
    else:
        router = train(rows, lexicon, metrics["min_confidence"])
        router.save(DEFAULT_ARTIFACT, {k: v for k, v in metrics.items() if k != "errors"})
        console.print(f"wrote {DEFAULT_ARTIFACT} ({router.version}), trained on all {len(rows)} rows")
    # beside the held-out seeds, queries no seed wrote (imported here: the test set's module imports this one)
    from components.routing.testset import print_test_set_report, report_on_test_set

    print_test_set_report(report_on_test_set(router), router.version, console)


if __name__ == "__main__":
    main()
