"""The study's statistics: intervals and tests that decide what the data support.

Each function states its formula and matches the ``scipy.stats`` reference named
beside it (``tests/compare/study/test_statistics.py`` checks every one); they are
written out here because they are short, because the study needs their
conventions fixed (ties, all-equal samples, the random stream of the bootstrap),
and so that a student can read them.

* :func:`wilson_interval` - a share k/n with its 95% Wilson score interval
  (``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``).
* :func:`bootstrap_median` and :func:`bootstrap_median_difference` - percentile
  bootstrap intervals of a median and of a difference of two medians
  (``scipy.stats.bootstrap(..., method="percentile")``, same random draws).
* :func:`mann_whitney` - the two-sided Mann-Whitney U test, normal approximation
  with tie and continuity corrections (``scipy.stats.mannwhitneyu(...,
  method="asymptotic")``).
* :func:`holm` - Holm's step-down adjustment of a family of p-values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 2000  # percentile intervals: endpoints move by ~2% of the width between bootstrap seeds


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile: 1.96 for 95%."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of the share k/n (no continuity correction).

        centre = (k + z^2/2) / (n + z^2),   half = z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)

    Unlike k/n +- z sqrt(p(1-p)/n) it never leaves [0, 1] and is not empty at k = 0 or k = n:
    0 of 100 gives [0, 0.037], so "never" is reported with what 100 runs can exclude.
    """
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n > 0, got {successes} of {n}")
    z2 = z_value(confidence) ** 2
    centre = (successes + z2 / 2) / (n + z2)
    half = math.sqrt(z2) / (n + z2) * math.sqrt(successes * (n - successes) / n + z2 / 4)
    return max(0.0, centre - half), min(1.0, centre + half)


def _percentile_interval(estimates: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = 1 - confidence
    lo, hi = np.percentile(estimates, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def _resampled_medians(x: np.ndarray, rng: np.random.Generator, resamples: int) -> np.ndarray:
    """Medians of ``resamples`` bootstrap samples of x: rows of x[i] with i drawn as scipy draws them."""
    x = np.asarray(x, dtype=np.float64)
    idx = rng.integers(0, len(x), (resamples, len(x)))
    return np.median(x[idx], axis=-1)


def bootstrap_median(x, seed: int, resamples: int = BOOTSTRAP_RESAMPLES,
                     confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of median(x): the 2.5% and 97.5% percentiles of resampled medians.

    ``seed`` seeds ``numpy.random.default_rng``, so an interval is a function of the data and the seed.
    """
    return _percentile_interval(_resampled_medians(x, np.random.default_rng(seed), resamples), confidence)


def bootstrap_median_difference(x, y, seed: int, resamples: int = BOOTSTRAP_RESAMPLES,
                                confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of median(x) - median(y), x and y resampled independently."""
    rng = np.random.default_rng(seed)
    mx = _resampled_medians(x, rng, resamples)
    my = _resampled_medians(y, rng, resamples)
    return _percentile_interval(mx - my, confidence)


def midranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..n, tied values sharing the mean of their ranks; and the size of every tie group."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    mean_rank = starts + (sizes + 1) / 2  # ranks starts+1 .. starts+size, averaged
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_rank, sizes)
    return ranks, sizes


@dataclass(frozen=True)
class MannWhitney:
    """U of the first sample, the two-sided p-value, and P(X < Y) + P(X = Y)/2 = 1 - U/(n1 n2)."""

    u: float
    p: float
    lower_share: float


def mann_whitney(x, y) -> MannWhitney:
    """Two-sided Mann-Whitney U test of x against y (normal approximation).

        U1 = R1 - n1 (n1 + 1) / 2                       (R1: sum of x's midranks in x and y pooled)
        s  = sqrt(n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))))   (t: sizes of tie groups)
        z  = (max(U1, n1 n2 - U1) - n1 n2 / 2 - 1/2) / s,   p = 2 (1 - Phi(z)), at most 1

    Every value tied (s = 0) carries no evidence of a difference: p = 1 (scipy gives NaN there).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        raise ValueError(f"both samples need values, got {n1} and {n2}")
    ranks, ties = midranks(np.concatenate([x, y]))
    u1 = float(ranks[:n1].sum() - n1 * (n1 + 1) / 2)
    n = n1 + n2
    tie_term = float(np.sum(ties.astype(np.float64) ** 3 - ties)) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12 * ((n + 1) - tie_term)
    if variance <= 0:
        return MannWhitney(u1, 1.0, 0.5)
    z = (max(u1, n1 * n2 - u1) - n1 * n2 / 2 - 0.5) / math.sqrt(variance)
    p = min(1.0, math.erfc(z / math.sqrt(2)))
    return MannWhitney(u1, p, 1 - u1 / (n1 * n2))


def holm(pvalues) -> np.ndarray:
    """Holm's adjusted p-values, in the order given: reject H_i at level alpha iff adjusted_i <= alpha.

    With p sorted ascending p_(1) <= ... <= p_(m): adjusted_(i) = max over j <= i of min(1, (m - j + 1) p_(j)).
    Controls the chance of any false separation in the family at alpha, whatever the dependence.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="mergesort")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted
