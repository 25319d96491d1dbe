"""compare.study.statistics against the scipy.stats references it names."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from compare.study.statistics import (
    bootstrap_median,
    bootstrap_median_difference,
    holm,
    mann_whitney,
    midranks,
    wilson_interval,
    z_value,
)


def test_z_value_is_the_normal_quantile():
    assert z_value(0.95) == pytest.approx(stats.norm.ppf(0.975), abs=1e-12)
    assert z_value(0.9) == pytest.approx(stats.norm.ppf(0.95), abs=1e-12)


@pytest.mark.parametrize(("k", "n"), [(0, 100), (100, 100), (1, 3), (37, 100), (5, 5), (0, 1), (499, 1000)])
def test_wilson_interval_matches_scipy(k, n):
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(ref.low, abs=1e-12) and hi == pytest.approx(ref.high, abs=1e-12)
    assert 0 <= lo <= k / n <= hi <= 1


def test_wilson_interval_rejects_impossible_counts():
    for k, n in ((3, 2), (-1, 5), (0, 0)):
        with pytest.raises(ValueError, match="successes"):
            wilson_interval(k, n)


def _scipy_percentile_ci(data, statistic, seed, resamples):
    res = stats.bootstrap(data, statistic, n_resamples=resamples, method="percentile", vectorized=True,
                          axis=-1, rng=np.random.default_rng(seed))
    return res.confidence_interval.low, res.confidence_interval.high


@pytest.mark.parametrize("kind", ["continuous", "epochs with ties"])
def test_bootstrap_median_is_scipys_percentile_bootstrap(kind):
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 10.0, 57) if kind == "continuous" else rng.integers(30, 60, 100).astype(float)
    ref = _scipy_percentile_ci((x,), lambda s, axis: np.median(s, axis=axis), 11, 2000)
    assert bootstrap_median(x, seed=11, resamples=2000) == pytest.approx(ref, rel=1e-12)
    lo, hi = bootstrap_median(x, seed=11, resamples=2000)
    assert lo <= np.median(x) <= hi and lo < hi


def test_bootstrap_median_difference_is_scipys_two_sample_bootstrap():
    rng = np.random.default_rng(4)
    x, y = rng.normal(50, 8, 80), rng.normal(45, 8, 60)
    ref = _scipy_percentile_ci((x, y), lambda a, b, axis: np.median(a, axis=axis) - np.median(b, axis=axis),
                               5, 3000)
    got = bootstrap_median_difference(x, y, seed=5, resamples=3000)
    assert got == pytest.approx(ref, rel=1e-12)
    assert got[0] < np.median(x) - np.median(y) < got[1]


def test_bootstrap_is_deterministic_for_a_seed_and_changes_with_it():
    x = np.random.default_rng(0).normal(size=40)
    assert bootstrap_median(x, 1) == bootstrap_median(x, 1)
    assert bootstrap_median(x, 1) != bootstrap_median(x, 2)


def test_midranks_match_scipy_rankdata():
    x = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0, 7.0])
    ranks, ties = midranks(x)
    np.testing.assert_array_equal(ranks, stats.rankdata(x))
    assert sorted(ties.tolist()) == [1, 1, 2, 3]


@pytest.mark.parametrize("case", ["shifted", "equal", "heavy ties", "censored", "small"])
def test_mann_whitney_matches_scipy_asymptotic(case):
    rng = np.random.default_rng(7)
    x, y = {
        "shifted": (rng.normal(0, 1, 100), rng.normal(0.5, 1, 100)),
        "equal": (rng.normal(0, 1, 100), rng.normal(0, 1, 90)),
        "heavy ties": (rng.integers(0, 4, 50).astype(float), rng.integers(1, 5, 70).astype(float)),
        # runs that never reach the threshold share the last value (301 = "never in 300 epochs")
        "censored": (np.r_[rng.integers(40, 80, 70), [301] * 30], np.r_[rng.integers(45, 90, 90), [301] * 10]),
        "small": (np.array([1.0, 2.0, 4.0]), np.array([3.0, 5.0, 6.0, 8.0])),
    }[case]
    ref = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    got = mann_whitney(x, y)
    assert got.u == pytest.approx(ref.statistic, abs=1e-9)
    assert got.p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    # the common-language effect size from the same U
    below = np.mean(x[:, None] < y[None, :]) + 0.5 * np.mean(x[:, None] == y[None, :])
    assert got.lower_share == pytest.approx(below, abs=1e-12)


def test_mann_whitney_calls_identical_samples_no_evidence():
    got = mann_whitney(np.full(20, 301.0), np.full(30, 301.0))
    assert got.p == 1.0 and got.lower_share == 0.5
    with pytest.raises(ValueError, match="both samples"):
        mann_whitney([], [1.0])


def test_holm_worked_example_and_definition():
    # Holm (1979) style worked example: m = 4, sorted p 0.01, 0.02, 0.03, 0.04 -> 0.04, 0.06, 0.06, 0.06
    p = np.array([0.03, 0.01, 0.04, 0.02])
    np.testing.assert_allclose(holm(p), [0.06, 0.04, 0.06, 0.06])
    # capped at 1, monotone in the sorted order, never below the raw p, and brute force agrees
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 0.2, 12) ** 2
    adj = holm(p)
    order = np.argsort(p)
    m = len(p)
    brute = [max(min(1.0, (m - j) * p[order][j]) for j in range(i + 1)) for i in range(m)]
    np.testing.assert_allclose(adj[order], brute)
    assert np.all(adj >= p) and np.all(adj <= 1) and np.all(np.diff(adj[order]) >= 0)
    assert holm([]).size == 0


def test_holm_rejects_what_bonferroni_rejects_and_sometimes_more():
    p = np.array([0.001, 0.012, 0.013, 0.5])
    bonferroni = np.minimum(1, p * len(p)) <= 0.05
    assert np.all(holm(p)[bonferroni] <= 0.05)
    assert np.sum(holm(p) <= 0.05) == 3 > np.sum(bonferroni) == 2
