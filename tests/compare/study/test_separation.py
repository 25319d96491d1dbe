"""The claim logic on synthetic samples: a clear difference is named, a null difference is called a tie."""

from __future__ import annotations

import numpy as np
import pytest

from compare.study.separation import pair, separate


def epochs(rng, centre, n, spread=12.0, budget=300, never=0.0):
    """Synthetic epochs to a threshold: a skewed sample around ``centre``, a share ``never`` at budget + 1."""
    x = np.round(centre + rng.gamma(2.0, spread / 2, n) - spread).clip(1, budget)
    x[rng.uniform(size=n) < never] = budget + 1
    return x


def test_a_clear_difference_is_named_the_winner():
    rng = np.random.default_rng(0)
    samples = {"slow": epochs(rng, 80, 100), "fast": epochs(rng, 40, 100), "slower": epochs(rng, 120, 100)}
    v = separate(samples, seed=1)
    assert v["winner"] == "fast" and v["top"] == ["fast"] and v["behind"] == ["slow", "slower"]
    assert v["order"] == ["fast", "slow", "slower"] and v["pairs_tested"] == 3
    lo, hi = v["against_leader"]["slow"]["median_diff_ci"]
    assert 0 < lo < v["against_leader"]["slow"]["median_diff"] < hi
    assert pair(v, "fast", "slow")["lower_share"] > 0.9 and pair(v, "slow", "fast")["lower_share"] < 0.1


def test_a_null_difference_is_a_tie():
    rng = np.random.default_rng(1)
    samples = {name: epochs(rng, 50, 100) for name in ("a", "b", "c", "d")}  # one distribution, four draws
    v = separate(samples, seed=2)
    assert v["winner"] is None and sorted(v["top"]) == ["a", "b", "c", "d"] and v["behind"] == []
    assert all(not p["separated"] for p in v["pairs"].values())
    assert all(p["p_holm"] >= p["p"] for p in v["pairs"].values())


def test_runs_that_never_reach_rank_last_and_all_of_them_tie():
    rng = np.random.default_rng(2)
    samples = {"never": np.full(50, 301.0), "also never": np.full(50, 301.0), "works": epochs(rng, 60, 50)}
    v = separate(samples, seed=3)
    assert v["winner"] == "works" and not pair(v, "never", "also never")["separated"]
    assert pair(v, "never", "also never")["p"] == 1.0 and v["groups"]["never"]["median_ci"] == [301.0, 301.0]


def test_a_small_difference_needs_enough_runs():
    """Same true gap, 10% of the median: hidden with 15 runs per sample, shown with 1000."""
    verdicts = []
    for n in (15, 1000):
        rng = np.random.default_rng(3)
        verdicts.append(separate({"a": epochs(rng, 50, n), "b": epochs(rng, 55, n)}, seed=4))
    assert verdicts[0]["winner"] is None and verdicts[1]["winner"] == "a"


def test_replication_on_a_disjoint_draw_reaches_the_same_verdict():
    """Two independent draws of the same situation (as --seed 0 and --seed 1): the same claims."""
    claims = []
    for block in (0, 1):
        rng = np.random.default_rng(100 + block)
        samples = {"kaiming": epochs(rng, 47, 300), "kaiming twin": epochs(rng, 47, 300),
                   "xavier": epochs(rng, 60, 300), "tiny": epochs(rng, 170, 300), "huge": epochs(rng, 0, 300, never=1)}
        v = separate(samples, seed=block)
        claims.append((v["winner"], sorted(v["top"]), sorted(v["behind"])))
    assert claims[0] == claims[1] == (None, ["kaiming", "kaiming twin"], ["huge", "tiny", "xavier"])


def test_separate_needs_two_samples():
    with pytest.raises(ValueError, match="at least two"):
        separate({"only": np.ones(5)}, seed=0)
