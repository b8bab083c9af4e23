"""Semantic skew: what the texts are about, compared as shares of clusters fitted on the reference.

Queries and responses are embedded with the project's embedder after masking names and numbers
(a capitalised word the lexicon does not know becomes NAME, a number NUM), so new companies or people
are not a new topic, and after correcting misspelt words to the lexicon's closest, so sloppy typing
(which the structural check reports) is not one either. A k-means fitted on the reference assigns both
samples to clusters; a chi-square
test on the cluster counts (Holm-corrected across query and response) with a total-variation effect
threshold gives the verdict, and the report names the clusters that grew or shrank, with their top
words and example queries.

Shares of clusters fitted on the reference can miss a new topic: off-topic questions land in whichever
cluster is nearest, no farther from it than ordinary ones. So the queries also get a classifier
two-sample test (Lopez-Paz and Oquab, 2017): a logistic regression learns to tell reference from
current, and its cross-validated AUC says how well it can (0.5: not at all). Only the queries: a
response wrapped in JSON or made longer is told apart at once, and that is the structural check's to report.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl
from scipy import stats
from sklearn.cluster import MiniBatchKMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from components.retrieval.cache import embed_distinct
from components.retrieval.embedder import Embedder
from components.retrieval.registry import default_embedder
from components.skew.features import name_words, vocabulary
from components.skew.structural import holm

__all__ = ["SemanticSettings", "mask_names", "semantic_skew"]

_TOKEN = re.compile(r"\b[\w'’-]+\b")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_STOP = frozenset("the a an and or of to in on for with is are be you your it this that as at by from can will "
                  "have has not what how i my me do does which who about name num".split())


@dataclass(frozen=True)
class SemanticSettings:
    clusters: int = 8
    alpha: float = 0.01
    min_effect: float = 0.15  # total variation distance between the cluster shares (noise at n=600 is ~0.1)
    novelty_quantile: float = 0.99  # a text farther from every centroid than this share of the reference is novel
    min_novel_excess: float = 0.1  # drift when the novel share exceeds the expected 1% by this much
    max_fit_rows: int = 20_000
    # Classifier two-sample test on the queries: drift when the held-out AUC reaches this. Resamples of one
    # population score 0.43-0.53, sloppy typing 0.62, renamed entities 0.57; 60% off-topic questions 0.79-0.83.
    min_auc: float = 0.7
    classifier_rows: int = 5_000  # per side; the AUC's noise at this size is about 0.006
    # Rows per side that are embedded: a uniform sample beyond this. The model embeds about 200 texts a second
    # on a core, so 50,000 rows a side would take minutes; at 2,000 the shares' noise is about 0.05 (under
    # min_effect) and the novel share's about 0.002.
    sample_rows: int = 2_000
    seed: int = 0


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], tuple[str, ...]]:
    """The words a typo is corrected to: the lexicon's, and the names' (a misspelt name is still a name)."""
    words = vocabulary().to_list()
    return frozenset(words), tuple(sorted({*words, *name_words()}))


@lru_cache(maxsize=100_000)
def _spelled(word: str) -> str:
    """The lexicon's closest word to a misspelt lower-case one (typos are a structural shift, not a topic)."""
    known, ordered = _lexicon()
    if word in known or word in name_words() or len(word) < 4:
        return word
    close = difflib.get_close_matches(word, ordered, n=5, cutoff=0.75)
    return next((c for c in close if _one_edit(word, c)), word)


def _one_edit(a: str, b: str) -> bool:
    """Whether `a` becomes `b` by one typo: a swap of neighbours, one letter changed, added or dropped.
    Anything further is another word ("leaking" is not a typo of "learning"), kept as it is."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    shorter, longer = sorted((a, b), key=len)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def mask_names(texts: list[str]) -> list[str]:
    """Names and numbers replaced by NAME / NUM (renamed entities read the same), typos corrected."""
    known, _ = _lexicon()

    def mask(match: re.Match) -> str:
        word = match.group(0)
        if any(c.isdigit() for c in word):
            return "NUM"
        if word[0].isupper():
            return word if word.lower() in known or len(word) == 1 else "NAME"
        spelled = _spelled(word)  # "curapeak" typed in lower case is the name still
        return "NAME" if spelled in name_words() else spelled

    # punctuation and casing are structure too: the embedding sees words only
    return [_PUNCTUATION.sub(" ", _TOKEN.sub(mask, text or "")).lower() for text in texts]


def _top_words(texts: list[str], k: int = 6) -> list[str]:
    counts = Counter(w for t in texts for w in re.findall(r"[a-z]{3,}", t.lower()) if w not in _STOP)
    return [w for w, _ in counts.most_common(k)]


def _classifier_test(ref_vectors: np.ndarray, cur_vectors: np.ndarray, current: list[str],
                     settings: SemanticSettings) -> dict:
    """How well a classifier tells current from reference, out of fold; its examples are the current texts
    it finds most unlike the reference."""
    rng = np.random.default_rng(settings.seed)

    def sample(vectors: np.ndarray) -> np.ndarray:
        if len(vectors) <= settings.classifier_rows:
            return np.arange(len(vectors))
        return rng.choice(len(vectors), settings.classifier_rows, replace=False)

    ref_rows, cur_rows = sample(ref_vectors), sample(cur_vectors)
    features = np.vstack([ref_vectors[ref_rows], cur_vectors[cur_rows]])
    labels = np.r_[np.zeros(len(ref_rows)), np.ones(len(cur_rows))]
    scores = np.zeros(len(labels))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=settings.seed)
    for train, test in folds.split(features, labels):
        model = LogisticRegression(max_iter=500).fit(features[train], labels[train])
        scores[test] = model.decision_function(features[test])
    current_scores = scores[len(ref_rows):]
    # the AUC is the Mann-Whitney U statistic scaled: its one-sided test is the AUC's
    p_value = float(stats.mannwhitneyu(current_scores, scores[:len(ref_rows)], alternative="greater").pvalue)
    most_unlike = [current[cur_rows[i]] for i in np.argsort(-current_scores)[:5]]
    auc = float(roc_auc_score(labels, scores))
    return {"test": "classifier_two_sample_auc", "auc": round(auc, 4), "p_value": p_value, "effect": auc,
            "threshold": settings.min_auc,
            "rows": {"reference": len(ref_rows), "current": len(cur_rows)}, "examples": most_unlike}


def _column(reference: list[str], current: list[str], queries: tuple[list[str], list[str]],
            settings: SemanticSettings, embedder: Embedder, classify: bool = False) -> dict:
    ref_masked, cur_masked = mask_names(reference), mask_names(current)
    ref_vectors, cur_vectors = embed_distinct(embedder, ref_masked), embed_distinct(embedder, cur_masked)
    rng = np.random.default_rng(settings.seed)
    fit_rows = ref_vectors if len(ref_vectors) <= settings.max_fit_rows else \
        ref_vectors[rng.choice(len(ref_vectors), settings.max_fit_rows, replace=False)]
    k = max(2, min(settings.clusters, len(fit_rows) // 20))
    model = MiniBatchKMeans(n_clusters=k, random_state=settings.seed, n_init=3, batch_size=2048).fit(fit_rows)
    ref_labels, cur_labels = model.predict(ref_vectors), model.predict(cur_vectors)
    ref_counts = np.bincount(ref_labels, minlength=k).astype(float)
    cur_counts = np.bincount(cur_labels, minlength=k).astype(float)
    chi2, p_value, _, _ = stats.chi2_contingency(np.vstack([ref_counts, cur_counts]) + 0.5)
    # New topics land in whichever cluster is nearest and can hide in the shares; they are far from all.
    ref_distance = model.transform(ref_vectors).min(axis=1)
    cur_distance = model.transform(cur_vectors).min(axis=1)
    cutoff = float(np.quantile(ref_distance, settings.novelty_quantile))
    novel = cur_distance > cutoff
    expected = 1 - settings.novelty_quantile
    novelty_p = float(stats.binomtest(int(novel.sum()), len(novel), expected, alternative="greater").pvalue)
    farthest = np.argsort(-cur_distance)[:5]
    novelty = {"test": "binomial_on_novel_share", "novel_share": round(float(novel.mean()), 4),
               "expected_share": expected, "p_value": novelty_p, "effect": float(novel.mean() - expected),
               "threshold": settings.min_novel_excess,
               "examples": [queries[1][i] for i in farthest if novel[i]]}
    ref_share, cur_share = ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum()
    clusters = []
    for cluster in range(k):
        members_ref = [t for t, label in zip(ref_masked, ref_labels, strict=True) if label == cluster]
        members_cur = [t for t, label in zip(cur_masked, cur_labels, strict=True) if label == cluster]
        grew = cur_share[cluster] > ref_share[cluster]
        pool = (queries[1], cur_labels) if grew else (queries[0], ref_labels)
        examples = [q for q, label in zip(*pool, strict=True) if label == cluster][:3]
        clusters.append({"cluster": cluster, "top_words": _top_words(members_cur if grew else members_ref),
                         "reference_share": round(float(ref_share[cluster]), 4),
                         "current_share": round(float(cur_share[cluster]), 4),
                         "change": round(float(cur_share[cluster] - ref_share[cluster]), 4), "examples": examples})
    clusters.sort(key=lambda c: -abs(c["change"]))
    result = {"test": "chi_square_on_cluster_shares", "clusters_fitted": k, "statistic": float(chi2),
              "p_value": float(p_value), "effect": float(0.5 * np.abs(ref_share - cur_share).sum()),
              "threshold": settings.min_effect, "clusters": clusters, "novelty": novelty}
    if classify:
        result["classifier"] = _classifier_test(ref_vectors, cur_vectors, queries[1], settings)
    return result


def semantic_skew(reference: pl.DataFrame, current: pl.DataFrame,
                  settings: SemanticSettings = SemanticSettings(), embedder: Embedder | None = None) -> dict:
    """`embedder`: the project's default (the model, or the hashing embedder where it is not installed)."""
    embedder = embedder or default_embedder(bulk=True)
    rows = {"reference": len(reference), "current": len(current)}
    reference, current = (frame if len(frame) <= settings.sample_rows else
                          frame.sample(settings.sample_rows, seed=settings.seed + side)
                          for side, frame in enumerate((reference, current)))
    queries = (reference["query"].fill_null("").to_list(), current["query"].fill_null("").to_list())
    results = {}
    for column in ("query", "response"):
        if column in reference.columns and column in current.columns:
            results[column] = _column(reference[column].fill_null("").to_list(),
                                      current[column].fill_null("").to_list(), queries, settings, embedder,
                                      classify=column == "query")
    subtests = ("novelty", "classifier")
    tests = [r for result in results.values() for r in (result, *(result[s] for s in subtests if s in result))]
    for test, adjusted in zip(tests, holm([t["p_value"] for t in tests]), strict=True):
        test["p_adjusted"] = adjusted
        test["drift"] = bool(adjusted < settings.alpha and test["effect"] >= test["threshold"])
    for result in results.values():
        result["shares_drift"] = result["drift"]
        result["drift"] = result["drift"] or any(result[s]["drift"] for s in subtests if s in result)
    return {"drift": any(r["drift"] for r in results.values()), "alpha": settings.alpha, "correction": "holm",
            "embedder": embedder.version, "names_masked": True,
            "rows": rows, "rows_embedded": {"reference": len(reference), "current": len(current)}, **results,
            "grew": [c for r in results.values() if r["drift"] for c in r["clusters"] if c["change"] > 0][:3],
            "shrank": [c for r in results.values() if r["drift"] for c in r["clusters"] if c["change"] < 0][:3]}
