"""Structural skew: each feature compared with a two-sample test, corrected for multiple testing.

Continuous features use the two-sample Kolmogorov-Smirnov test, binary ones a two-proportion z-test,
categorical columns (agent, context type) a chi-square test of their shares. A feature drifts when
its Holm-adjusted p-value is below `alpha` *and* its effect is at least `min_effect` (KS distance,
difference in proportions, or total variation distance): with a million rows every difference is
"significant", and a person only wants to hear about the ones that matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats

from components.skew.features import BINARY_FEATURES, CONTINUOUS_FEATURES, TEXT_COLUMNS, add_features

__all__ = ["CATEGORICAL", "StructuralSettings", "holm", "structural_skew"]

CATEGORICAL = ("agent", "context_type")


@dataclass(frozen=True)
class StructuralSettings:
    alpha: float = 0.01
    min_effect: float = 0.1  # KS distance or total variation distance
    min_proportion_change: float = 0.05
    max_rows: int = 200_000  # larger samples are subsampled for the KS test (its p-value is already ~0)


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _sample(values: np.ndarray, limit: int, seed: int) -> np.ndarray:
    if len(values) <= limit:
        return values
    return np.random.default_rng(seed).choice(values, limit, replace=False)


def _continuous(name: str, a: np.ndarray, b: np.ndarray, settings: StructuralSettings) -> dict:
    a, b = _sample(a, settings.max_rows, 1), _sample(b, settings.max_rows, 2)
    result = stats.ks_2samp(a, b, method="asymp")
    return {"feature": name, "test": "ks", "statistic": float(result.statistic), "p_value": float(result.pvalue),
            "effect": float(result.statistic), "threshold": settings.min_effect,
            "reference_mean": float(a.mean()), "current_mean": float(b.mean())}


def _binary(name: str, a: np.ndarray, b: np.ndarray, settings: StructuralSettings) -> dict:
    n1, n2, x1, x2 = len(a), len(b), int(a.sum()), int(b.sum())
    p1, p2, pooled = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (p2 - p1) / se if se > 0 else 0.0
    p_value = float(2 * stats.norm.sf(abs(z))) if se > 0 else 1.0
    return {"feature": name, "test": "two_proportion_z", "statistic": z, "p_value": p_value, "effect": abs(p2 - p1),
            "threshold": settings.min_proportion_change, "reference_mean": p1, "current_mean": p2}


def _categorical(name: str, a: pl.Series, b: pl.Series, settings: StructuralSettings) -> dict:
    levels = sorted(set(a.drop_nulls().to_list()) | set(b.drop_nulls().to_list()))
    counts_a = np.array([int((a == level).sum()) for level in levels], dtype=float)
    counts_b = np.array([int((b == level).sum()) for level in levels], dtype=float)
    if len(levels) < 2:
        return {"feature": name, "test": "chi_square", "statistic": 0.0, "p_value": 1.0, "effect": 0.0,
                "threshold": settings.min_effect, "shares": {}}
    chi2, p_value, _, _ = stats.chi2_contingency(np.vstack([counts_a, counts_b]) + 0.5)
    share_a, share_b = counts_a / counts_a.sum(), counts_b / counts_b.sum()
    return {"feature": name, "test": "chi_square", "statistic": float(chi2), "p_value": float(p_value),
            "effect": float(0.5 * np.abs(share_a - share_b).sum()), "threshold": settings.min_effect,
            "shares": {level: {"reference": round(float(x), 4), "current": round(float(y), 4)}
                       for level, x, y in zip(levels, share_a, share_b, strict=True)}}


def structural_skew(reference: pl.DataFrame, current: pl.DataFrame,
                    settings: StructuralSettings = StructuralSettings()) -> dict:
    """Every feature's test, Holm-corrected, with a verdict; `drift` when any feature drifts."""
    ref, cur = add_features(reference), add_features(current)
    tests = []
    for column in TEXT_COLUMNS:
        if column not in ref.columns or column not in cur.columns:
            continue
        for feature in CONTINUOUS_FEATURES:
            name = f"{column}.{feature}"
            tests.append(_continuous(name, ref[name].to_numpy(), cur[name].to_numpy(), settings))
        for feature in BINARY_FEATURES:
            name = f"{column}.{feature}"
            tests.append(_binary(name, ref[name].to_numpy(), cur[name].to_numpy(), settings))
    for column in CATEGORICAL:
        if column in reference.columns and column in current.columns:
            tests.append(_categorical(column, reference[column], current[column], settings))
    for test, adjusted in zip(tests, holm([t["p_value"] for t in tests]), strict=True):
        test["p_adjusted"] = adjusted
        test["drift"] = bool(adjusted < settings.alpha and test["effect"] >= test["threshold"])
    drifted = sorted((t for t in tests if t["drift"]), key=lambda t: -t["effect"])
    return {"drift": bool(drifted), "alpha": settings.alpha, "correction": "holm", "tests": tests,
            "drifted": [t["feature"] for t in drifted], "rows": {"reference": reference.height,
                                                                  "current": current.height}}
