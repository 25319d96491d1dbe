"""What one training run did, measured: reached the threshold, or how it failed.

Per run (one History of ``budget`` epochs, full-batch SGD on the letters):

* ``epochs_to(loss, threshold)``: the first epoch whose loss <= threshold;
  the *ranked* measure of the study is that epoch, or ``budget + 1`` for a run
  that never gets there (:func:`ranked_epochs`: every such run ties, ranked last);
* the outcome of a run that did not reach the threshold, from its own curve
  (:func:`outcome`), checked in this order:

  ============  ==============================================================
  diverged      the loss turned non-finite (the run stopped there)
  symmetric     the hidden units end identical (at most one distinct row of
                [W0 | b0]): identical units get identical gradients forever
  oscillating   over the last ``TAIL`` of the epochs the loss rose in at least
                ``RISE_SHARE`` of the steps: the step overshoots back and forth
  plateau       over that tail the loss fell by less than ``STALL`` (relative):
                training has stopped, above the threshold
  slow          still falling at the end: the budget was too short
  ============  ==============================================================

* hidden-unit measures of a ReLU layer: ``dead_share`` (units whose
  pre-activation is <= 0 on every letter: output 0 and gradient 0 on the whole
  batch, so they can never move again under full-batch training) and
  ``distinct_units`` (the first layer's gradient norm at the start, which times the
  learning rate is the size of the first step, is measured by ``task2_init``).
"""

from __future__ import annotations

import numpy as np

from compare.study.statistics import wilson_interval

REACHED, DIVERGED, SYMMETRIC, OSCILLATING, PLATEAU, SLOW = (
    "reached", "diverged", "symmetric", "oscillating", "plateau", "slow")
OUTCOMES = (REACHED, DIVERGED, SYMMETRIC, OSCILLATING, PLATEAU, SLOW)
TAIL = 0.2          # the last fifth of the epochs judges a run that did not reach the threshold
RISE_SHARE = 0.3    # a loss that rises in >= 30% of those steps oscillates (a smooth descent: 0%)
STALL = 0.01        # a loss that fell by < 1% over those steps has stalled


def epochs_to(loss: np.ndarray, threshold: float) -> int | None:
    """The first epoch (1-based) whose loss is <= threshold, or None if the run never gets there."""
    hits = np.flatnonzero(np.asarray(loss) <= threshold)
    return int(hits[0]) + 1 if hits.size else None


def ranked_epochs(loss: np.ndarray, threshold: float, budget: int) -> int:
    """Epochs to the threshold, ``budget + 1`` for a run that never reaches it (ranked last, all tied)."""
    reached = epochs_to(loss, threshold)
    return budget + 1 if reached is None else reached


def dead_share(params: dict, X: np.ndarray) -> float:
    """Share of first-layer units with pre-activation <= 0 on every row of X (dead for the whole batch)."""
    z = X @ params["layers.0.weight"].T + params["layers.0.bias"]
    return float(np.mean(np.all(z <= 0, axis=0)))


def distinct_units(params: dict) -> int:
    """How many first-layer units differ (distinct rows of [W0 | b0])."""
    rows = np.hstack([params["layers.0.weight"], params["layers.0.bias"][:, None]])
    return int(len(np.unique(rows, axis=0)))


def tail(loss: np.ndarray) -> np.ndarray:
    """The last ``TAIL`` of a curve (at least two epochs)."""
    loss = np.asarray(loss, dtype=np.float64)
    return loss[-max(2, int(round(TAIL * len(loss)))):]


def tail_rises(loss: np.ndarray) -> float:
    """Share of the tail's steps in which the loss rose (0 for a smooth descent, ~0.5 for a 2-cycle)."""
    return float(np.mean(np.diff(tail(loss)) > 0))


def tail_swing(loss: np.ndarray) -> float:
    """(max - min) / median of the tail: how far the loss swings while it oscillates."""
    t = tail(loss)
    return float((t.max() - t.min()) / np.median(t))


def outcome(loss: np.ndarray, threshold: float, diverged: bool, distinct_end: int) -> str:
    """The run's outcome (see the module table)."""
    loss = np.asarray(loss, dtype=np.float64)
    if epochs_to(loss, threshold) is not None:
        return REACHED
    if diverged:
        return DIVERGED
    if distinct_end <= 1:
        return SYMMETRIC
    if tail_rises(loss) >= RISE_SHARE:
        return OSCILLATING
    t = tail(loss)
    if t[0] - t[-1] < STALL * t[0]:
        return PLATEAU
    return SLOW


def outcome_counts(outcomes: list[str]) -> dict[str, int]:
    """{outcome: how many runs}, every outcome present (zeros included), in the order of ``OUTCOMES``."""
    return {name: sum(o == name for o in outcomes) for name in OUTCOMES}


def summarize_runs(histories: list, threshold: float, budget: int, X: np.ndarray) -> dict:
    """The runs of one cell: reach share (Wilson 95%), ranked epochs, outcomes, and how the failed runs ended.

    ``failed_dead_end``: mean share of dead first-layer units at the end over the failed runs that did
    not diverge (meaningful for ReLU); ``failed_final_loss``: their median last loss.
    """
    ranked = [ranked_epochs(h.loss, threshold, budget) for h in histories]
    kinds = [REACHED if r <= budget else outcome(h.loss, threshold, h.diverged, distinct_units(h.final_params))
             for h, r in zip(histories, ranked)]
    failed = [h for h, kind in zip(histories, kinds) if kind != REACHED]
    settled = [h for h in failed if not h.diverged]
    finite = [h for h in histories if not h.diverged]
    n, reached = len(histories), len(histories) - len(failed)
    return {
        "n": n, "reached": reached, "reach_share": reached / n, "reach_ci": list(wilson_interval(reached, n)),
        "outcomes": outcome_counts(kinds),
        "failed_dead_end": float(np.mean([dead_share(h.final_params, X) for h in settled])) if settled else None,
        "failed_final_loss": float(np.median([h.loss[-1] for h in settled])) if settled else None,
        "failed_tail_rises": float(np.median([tail_rises(h.loss) for h in settled])) if settled else None,
        "failed_tail_swing": float(np.median([tail_swing(h.loss) for h in settled])) if settled else None,
        "final_loss_median": float(np.median([h.loss[-1] for h in finite])) if finite else None,
        "epochs": ranked,
    }
