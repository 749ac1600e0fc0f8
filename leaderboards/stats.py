"""Confidence intervals for a score: Wilson for pass/fail outcomes, a percentile bootstrap over
problems for fractional ones (pass@1 averaged over several samples per problem)."""

from __future__ import annotations

import math
import random
from typing import Sequence

Z95 = 1.959963984540054


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval; stays inside [0, 1] and behaves at 0 and n, unlike the normal one."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap(scores: Sequence[float], resamples: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap of the mean, seeded so that a rebuilt site shows the same numbers."""
    n = len(scores)
    if n == 0:
        return (0.0, 1.0)
    rng = random.Random(seed)
    means = sorted(sum(scores[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    lo = means[int((1 - level) / 2 * resamples)]
    hi = means[min(resamples - 1, int((1 + level) / 2 * resamples))]
    return (lo, hi)


def interval(scores: Sequence[float]) -> tuple[str, float, float]:
    """(method, low, high) for the mean of per-problem scores in [0, 1]."""
    if all(s in (0.0, 1.0) for s in scores):
        lo, hi = wilson(sum(scores), len(scores))
        return ("wilson", lo, hi)
    lo, hi = bootstrap(list(scores))
    return ("bootstrap", lo, hi)
