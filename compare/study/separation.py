"""The claim logic: which of several samples is best, and which ones the data cannot tell apart.

``separate(samples, seed)`` takes one sample per candidate (an initialisation
scheme, a learning rate, an activation) of a measure where lower is better -
here epochs to the loss threshold, runs that never reach it counted as
``budget + 1`` so they rank last, all tied - and decides:

* **the test**: every pair of candidates, two-sided Mann-Whitney U
  (``statistics.mann_whitney``), the whole family of k(k-1)/2 p-values
  Holm-adjusted (``statistics.holm``); a pair is *separated* when its adjusted
  p-value is below ``ALPHA`` (5%);
* **the leader**: the candidate with the lowest mean rank in all samples pooled
  (the order the test itself sees; medians of integer epochs tie too often);
* **the top group**: the leader and every candidate not separated from it. A
  *winner* is named only when the top group is the leader alone; otherwise the
  top group is reported as a tie at this sample size;
* per candidate, the median with its bootstrap 95% interval; per candidate
  against the leader, the difference of medians with its bootstrap interval.

Everything is a function of the samples and ``seed`` (the bootstrap's), so the
verdict of a study is reproducible and a disjoint block of seeds can replicate it.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from compare.study.statistics import (
    BOOTSTRAP_RESAMPLES,
    bootstrap_median,
    bootstrap_median_difference,
    holm,
    mann_whitney,
    midranks,
)

ALPHA = 0.05
TEST = "Mann-Whitney U, two-sided, Holm-adjusted over all pairs"


def _pair_key(a: str, b: str) -> str:
    return f"{a} | {b}"


def pair(result: dict, a: str, b: str) -> dict:
    """The test of a against b, whichever order it was stored in (``lower_share``: P(a < b) + P(a = b)/2)."""
    found = result["pairs"].get(_pair_key(a, b))
    if found is not None:
        return found
    other = result["pairs"][_pair_key(b, a)]
    return {**other, "lower_share": 1 - other["lower_share"]}


def _behind(leader_vs: dict) -> bool:
    return leader_vs["separated"] and leader_vs["lower_share"] > 0.5


def separate(samples: dict[str, np.ndarray], seed: int, alpha: float = ALPHA,
             resamples: int = BOOTSTRAP_RESAMPLES) -> dict:
    """The verdict on ``samples`` ({name: values}, lower is better, at least two names); see the module doc."""
    names = list(samples)
    if len(names) < 2:
        raise ValueError(f"separate needs at least two samples, got {names}")
    values = {name: np.asarray(samples[name], dtype=np.float64) for name in names}
    pooled_ranks, _ = midranks(np.concatenate([values[n] for n in names]))
    bounds = np.cumsum([0] + [len(values[n]) for n in names])
    groups = {}
    for i, name in enumerate(names):
        lo, hi = bootstrap_median(values[name], seed + i, resamples)
        groups[name] = {"n": len(values[name]), "median": float(np.median(values[name])), "median_ci": [lo, hi],
                        "mean_rank": float(pooled_ranks[bounds[i]:bounds[i + 1]].mean())}
    tests = [(a, b, mann_whitney(values[a], values[b])) for a, b in combinations(names, 2)]
    adjusted = holm([test.p for _, _, test in tests])
    pairs = {_pair_key(a, b): {"p": test.p, "p_holm": float(adj), "lower_share": test.lower_share,
                               "separated": bool(adj < alpha)}
             for (a, b, test), adj in zip(tests, adjusted)}
    order = sorted(names, key=lambda n: (groups[n]["mean_rank"], names.index(n)))
    leader = order[0]
    result = {"test": TEST, "alpha": alpha, "pairs_tested": len(tests), "groups": groups, "pairs": pairs,
              "order": order, "leader": leader}
    # Behind the leader: separated from it, and the leader lower in that pair (mean ranks can order three
    # samples otherwise than their pairwise tests do; such a candidate stays in the top group).
    top = [n for n in order if n == leader or not _behind(pair(result, leader, n))]
    against_leader = {}
    for i, name in enumerate(names):
        if name != leader:
            lo, hi = bootstrap_median_difference(values[name], values[leader], seed + len(names) + i, resamples)
            against_leader[name] = {"median_diff": groups[name]["median"] - groups[leader]["median"],
                                    "median_diff_ci": [lo, hi], **pair(result, name, leader)}
    result.update(top=top, winner=leader if len(top) == 1 else None, against_leader=against_leader,
                  behind=[n for n in order if n not in top])
    return result
