"""Rates with Wilson intervals, means with intervals that stay on their scale, and judge-human agreement
(Cohen's kappa)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["agreement", "cohen_kappa", "mean_interval", "wilson"]

Z95 = 1.959964


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float, float]:
    """(rate, low, high): the Wilson score interval, sound at small n and at rates near 0 or 1."""
    if n == 0:
        return 0.0, 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def mean_interval(values: Sequence[float], z: float = Z95,
                  bounds: tuple[float, float] | None = None) -> tuple[float, float, float]:
    """(mean, low, high). Unbounded: the normal interval. On a bounded scale (`bounds`, e.g. a 1-5 score) the
    normal interval can leave it (a company agent's 18 turns: quality up to 5.04), so the mean is scaled to
    [0, 1] and the interval taken on its logit (the delta method) and mapped back, which stays inside. Where
    every value is at one point (no spread to estimate), the scaled Wilson interval stands in: conservative,
    since a variable on [0, 1] varies at most as a yes/no one of the same mean."""
    if not values:
        return 0.0, 0.0, 0.0
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, mean, mean
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    if bounds is None:
        half = z * sd / math.sqrt(n)
        return mean, mean - half, mean + half
    low_end, high_end = bounds
    width = high_end - low_end
    p = min(1.0, max(0.0, (mean - low_end) / width))
    if sd == 0 or p in (0.0, 1.0):
        _, low, high = wilson(p * n, n, z)
    else:
        centre, half = math.log(p / (1 - p)), z * (sd / width) / math.sqrt(n) / (p * (1 - p))
        low, high = 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))
    return mean, low_end + width * low, low_end + width * high


def cohen_kappa(a: Sequence, b: Sequence) -> float:
    """Agreement beyond chance between two raters over the same items (1: perfect, 0: chance)."""
    if len(a) != len(b) or not a:
        raise ValueError("kappa needs two non-empty label lists of the same length")
    labels = sorted(set(a) | set(b), key=str)
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((list(a).count(label) / n) * (list(b).count(label) / n) for label in labels)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(judge: Sequence[bool], human: Sequence[bool]) -> dict[str, float]:
    """Kappa plus the judge's true-positive and true-negative rates against the human labels."""
    positives = [j for j, h in zip(judge, human, strict=True) if h]
    negatives = [j for j, h in zip(judge, human, strict=True) if not h]
    return {"kappa": round(cohen_kappa(list(judge), list(human)), 4), "n": len(judge),
            "tpr": round(sum(positives) / len(positives), 4) if positives else float("nan"),
            "tnr": round(sum(not j for j in negatives) / len(negatives), 4) if negatives else float("nan")}
