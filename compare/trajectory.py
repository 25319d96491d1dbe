"""Training-trajectory parity: two whole runs compared epoch by epoch, and re-synchronised.

``compare_training(spec, X, Y, plan)`` trains the handmade MLP and the torch
reference from the same initial parameters on the same batches and returns a
:class:`TrajectoryComparison`:

* per epoch k: ``abs_diff[k] = |L_h - L_t|`` and the floored relative difference

      rel_diff[k] = |L_h - L_t| / max(|L_h|, |L_t|, phi * L_1)

  where L_1 is the loss of epoch 1 and ``phi = (2 step / trajectory)^2`` is the
  *loss floor* of the dtype (see ``compare.tolerance``): above it the loss is
  compared relatively; below it, where the residuals approach rounding noise
  and a relative difference of the loss means nothing, the difference is
  counted in units of ``phi * L_1``;
* ``first_over``: the first epoch whose ``rel_diff`` exceeds the trajectory
  tolerance; ``growth``: a geometric fit of how the difference grows per epoch;
* the parameter distance at the end; the divergence epoch of each side.

Verdicts (``status``):

=====================  ===========================================================  =======
match                  every epoch within tolerance, same length                    match
both diverged          both losses turned non-finite at the same epoch (the         match
                       issue's rule; the blow-up before it is reported, not judged)
sensitive dynamics     the difference outgrew the tolerance, but every              match
                       re-synchronised step from ``first_over - 1`` on agrees to
                       the one-step tolerance (or, where the step is ill-
                       conditioned, to C x its own rounding spread, see below):
                       the runs part by amplified rounding
mismatch               a re-synchronised step disagrees: ``mismatch_epoch`` is      FAIL
                       where the two implementations compute different steps
=====================  ===========================================================  =======

Re-synchronisation (``compare.resync``): from the epoch before ``first_over``
both sides take every single step again from the handmade state and are
compared against the one-step tolerance; a step over it is judged against C x
its own rounding spread (``compare.spread``). :func:`compare_training` runs it
through :func:`compare.resync.settle_parting`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from handmade.model import MLP
from handmade.spec import MLPSpec, check_data
from handmade.train import History, TrainPlan, train

from .records import rel_diff
from .tolerance import tolerance_for

if TYPE_CHECKING:
    from .resync import Resync

MATCH = "match"
BOTH_DIVERGED = "both diverged"
SENSITIVE = "sensitive dynamics"
MISMATCH = "mismatch"
MATCHING = (MATCH, BOTH_DIVERGED, SENSITIVE)

# The growth fit stops where the difference saturates (the runs have parted): beyond
# this floored relative difference the log-difference no longer grows geometrically.
SATURATION = 1e-2


def loss_floor_fraction(dtype: str, one_step: bool = False) -> float:
    """``phi = min(1, (2 * step / tol)^2)``: below ``phi * L_1`` a loss is compared absolutely.

    ``tol`` is the trajectory tolerance, or with ``one_step`` the one-step
    tolerance (the loss of a re-synchronised step), where the formula gives 4
    and the cap 1: a one-step loss difference is measured in units of
    max(current loss, initial loss).

    Why: L = mean(r^2) over residuals r, so two outputs that differ by dr give
    |dL| ~ 2 sqrt(L) dr, a relative difference 2 dr / sqrt(L) that grows without
    bound as L -> 0. Correct implementations agree in their outputs to about the
    one-step tolerance times the output scale (~ sqrt(L_1)); their relative loss
    difference then stays under ``tol`` as long as L >= phi * L_1.
    """
    tol = tolerance_for(dtype)
    return min(1.0, (2.0 * tol.step / (tol.step if one_step else tol.trajectory)) ** 2)


def floored_rel(a, b, floor: float) -> float:
    """``max|a - b| / max(max|a|, max|b|, floor)`` in float64.

    Non-finite values: where both sides are non-finite they agree (both
    diverged); a value finite on one side only is ``inf``.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(finite_a, finite_b):
        return math.inf
    return rel_diff(a[finite_a], b[finite_b], floor)


def loss_rel_diffs(loss_h: np.ndarray, loss_t: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-epoch (abs, floored rel) differences; both non-finite counts as agreement (0)."""
    h = np.asarray(loss_h, dtype=np.float64)
    t = np.asarray(loss_t, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(h - t)
        scale = np.maximum(np.maximum(np.abs(h), np.abs(t)), floor)
        rel = abs_diff / np.where(scale > 0, scale, 1.0)
    finite_h, finite_t = np.isfinite(h), np.isfinite(t)
    both_bad = ~finite_h & ~finite_t
    one_bad = finite_h != finite_t
    abs_diff[both_bad], rel[both_bad] = 0.0, 0.0
    abs_diff[one_bad], rel[one_bad] = math.inf, math.inf
    return abs_diff, rel


@dataclass
class Growth:
    """Geometric fit ``d_k ~ d_0 * factor^k`` of the running maximum of the difference.

    Fitted by least squares on log(running max of rel_diff) over the epochs where
    it is positive and below ``SATURATION``. ``factor`` ~ 1: the difference stays
    at rounding level; 1.05: it grows 5% per epoch (x10 every ``epochs_per_decade``).
    """

    factor: float | None
    epochs_per_decade: float | None
    fitted_epochs: int
    label: str

    def to_dict(self) -> dict:
        return asdict(self)


def fit_growth(rel_diff: np.ndarray) -> Growth:
    d = np.asarray(rel_diff, dtype=np.float64)
    d = d[np.isfinite(d)]
    envelope = np.maximum.accumulate(d) if d.size else d
    epochs = np.arange(1, len(envelope) + 1)
    use = (envelope > 0) & (envelope < SATURATION)
    if use.sum() < 10:
        return Growth(None, None, int(use.sum()), "too few epochs to fit")
    slope = float(np.polyfit(epochs[use], np.log(envelope[use]), 1)[0])
    factor = math.exp(slope)
    decade = math.log(10) / slope if slope > 1e-12 else None
    if factor < 1.001:
        label = "flat (rounding level)"
    else:
        label = f"x{factor:.3f}/epoch (x10 every {decade:.0f} epochs)"
    return Growth(factor, decade, int(use.sum()), label)


@dataclass
class TrajectoryComparison:
    """Two runs of one plan, compared; see the module docstring for the verdicts."""

    spec: MLPSpec
    plan: TrainPlan
    loss_handmade: np.ndarray
    loss_torch: np.ndarray
    abs_diff: np.ndarray
    rel_diff: np.ndarray
    tolerance: float
    loss_floor: float
    handmade_diverged_at: int | None
    torch_diverged_at: int | None
    param_rel_diff: float
    param_distance: float
    growth: Growth
    first_over: int | None = None
    resync: Resync | None = None
    status: str = MATCH
    mismatch_epoch: int | None = None
    reason: str = ""
    # The two Histories (final parameters etc.); not serialised.
    histories: tuple[History, History] | None = field(default=None, repr=False)

    @property
    def matched(self) -> bool:
        return self.status in MATCHING

    @property
    def worst_rel_diff(self) -> float:
        return float(np.max(self.rel_diff, initial=0.0))

    @property
    def worst_epoch(self) -> int | None:
        return int(np.argmax(self.rel_diff)) + 1 if len(self.rel_diff) else None

    @property
    def checked_rel_diff(self) -> float:
        """The worst difference among the comparisons expected to match.

        For a trajectory within tolerance (or both diverged) that is the worst
        epoch; for sensitive dynamics the whole-run difference is *expected* to
        grow, so it is the worst re-synchronised step instead.
        """
        if self.status == SENSITIVE or (self.resync is not None and not self.matched):
            worst = self.resync.worst if self.resync else None
            return worst.worst_rel_diff if worst else math.inf
        if self.status == BOTH_DIVERGED:
            # Only the epochs before the blow-up are expected to agree to the tolerance.
            end = (self.first_over or len(self.rel_diff) + 1) - 1
            finite = self.rel_diff[:end][np.isfinite(self.rel_diff[:end])]
            return float(np.max(finite, initial=0.0))
        return self.worst_rel_diff

    def summary_row(self) -> dict:
        """A flat dict (JSON/CSV row) with everything a sweep table needs."""
        spec, plan = self.spec, self.plan
        fail = self.resync.first_failure if self.resync else None
        worst_resync = self.resync.worst if self.resync else None
        return {
            "activation": spec.activation, "lr": plan.lr, "init": spec.init, "seed": spec.seed,
            "optimizer": plan.optimizer, "dtype": spec.dtype, "batch_size": plan.batch_size,
            "epochs": plan.epochs, "status": self.status, "matched": self.matched,
            "checked_rel_diff": self.checked_rel_diff,
            "worst_rel_diff": self.worst_rel_diff, "worst_epoch": self.worst_epoch,
            "first_over": self.first_over, "tolerance": self.tolerance,
            "handmade_diverged_at": self.handmade_diverged_at, "torch_diverged_at": self.torch_diverged_at,
            "epochs_handmade": len(self.loss_handmade), "epochs_torch": len(self.loss_torch),
            "final_loss_handmade": float(self.loss_handmade[-1]), "final_loss_torch": float(self.loss_torch[-1]),
            "param_rel_diff": self.param_rel_diff, "param_distance": self.param_distance,
            "growth_factor": self.growth.factor, "growth": self.growth.label,
            "resync_epochs": len(self.resync.steps) if self.resync else 0,
            "resync_worst_rel_diff": worst_resync.worst_rel_diff if worst_resync else None,
            "resync_worst_name": worst_resync.worst_name if worst_resync else None,
            "resync_spread_steps": len(self.resync.spread_steps) if self.resync else 0,
            "resync_worst_spread": worst_resync.rounding_spread if worst_resync else None,
            "resync_worst_spread_ratio": worst_resync.spread_ratio if worst_resync else None,
            "mismatch_epoch": self.mismatch_epoch, "mismatch_name": fail.worst_name if fail else None,
            "reason": self.reason,
        }

    def to_dict(self) -> dict:
        return {"summary_row": self.summary_row(), "spec": self.spec.to_dict(), "plan": self.plan.to_dict(),
                "loss_floor": self.loss_floor, "growth": self.growth.to_dict(),
                "resync": self.resync.to_dict() if self.resync else None,
                "loss_handmade": self.loss_handmade, "loss_torch": self.loss_torch,
                "rel_diff": self.rel_diff}


def param_differences(a: dict, b: dict) -> tuple[float, float]:
    """(worst tensor-wise rel diff, Euclidean distance over all parameters); inf if non-finite."""
    if not a or not b:
        return math.inf, math.inf
    rel = max(floored_rel(a[k], b[k], 0.0) for k in a)
    with np.errstate(over="ignore", invalid="ignore"):
        dist = math.sqrt(sum(float(np.sum((np.asarray(a[k], np.float64) - np.asarray(b[k], np.float64)) ** 2))
                             for k in a))
    return rel, (dist if math.isfinite(dist) else math.inf)


def compare_histories(spec: MLPSpec, plan: TrainPlan, handmade: History, torch: History) -> TrajectoryComparison:
    """Compare two finished runs (no re-synchronisation; see :func:`compare_training`)."""
    tol = tolerance_for(spec.dtype).trajectory
    n = min(len(handmade.loss), len(torch.loss))
    first = [x for x in (handmade.loss[0], torch.loss[0]) if math.isfinite(x)]
    phi = loss_floor_fraction(spec.dtype)
    floor = phi * (max(first) if first else 0.0)
    abs_diff, rel = loss_rel_diffs(handmade.loss[:n], torch.loss[:n], floor)
    if len(handmade.loss) != len(torch.loss):
        # One run went on where the other stopped: the missing epochs count as parted.
        abs_diff = np.append(abs_diff, math.inf)
        rel = np.append(rel, math.inf)
    over = np.flatnonzero(rel > tol)
    p_rel, p_dist = param_differences(handmade.final_params, torch.final_params)
    comparison = TrajectoryComparison(
        spec=spec, plan=plan, loss_handmade=handmade.loss, loss_torch=torch.loss, abs_diff=abs_diff,
        rel_diff=rel, tolerance=tol, loss_floor=floor, handmade_diverged_at=handmade.diverged_at,
        torch_diverged_at=torch.diverged_at, param_rel_diff=p_rel, param_distance=p_dist,
        growth=fit_growth(rel), first_over=int(over[0]) + 1 if over.size else None,
        histories=(handmade, torch),
    )
    if handmade.diverged_at is not None and handmade.diverged_at == torch.diverged_at:
        comparison.status = BOTH_DIVERGED
        comparison.reason = f"both diverged at epoch {handmade.diverged_at}"
        if comparison.first_over is not None:
            loss = handmade.loss[comparison.first_over - 1]
            comparison.reason += (f" (while blowing up, the difference passed {tol:g} at epoch "
                                  f"{comparison.first_over}, loss {loss:.1e} = {loss / floor * phi:.1e} x L_1)")
    elif comparison.first_over is None:
        comparison.reason = f"every epoch within {tol:g}"
    else:
        comparison.status = MISMATCH
        comparison.mismatch_epoch = comparison.first_over
        comparison.reason = _parting_reason(comparison)
    return comparison


def _parting_reason(c: TrajectoryComparison) -> str:
    h, t = c.handmade_diverged_at, c.torch_diverged_at
    if h != t:
        if t is None:
            side = f"handmade diverged alone at epoch {h}"
        elif h is None:
            side = f"torch diverged alone at epoch {t}"
        else:
            side = f"diverged at epoch {h} (handmade) vs {t} (torch)"
        return f"{side}; loss difference first over {c.tolerance:g} at epoch {c.first_over}"
    return f"loss difference {c.worst_rel_diff:.2e} > {c.tolerance:g}, first at epoch {c.first_over}"


def compare_training(spec: MLPSpec, X, Y, plan: TrainPlan, params: dict | None = None,
                     resync: bool = True) -> TrajectoryComparison:
    """Train both sides from the same ``params`` (default ``spec.init_params()``) and compare.

    Where the trajectories part (``first_over``), re-synchronise from the epoch
    before and decide between *sensitive dynamics* and *mismatch*.
    """
    from torch_ref.model import TorchMLP
    from torch_ref.train import train_torch

    from .resync import settle_parting

    X, Y = check_data(X, Y, spec.sizes, spec.dtype)
    plan.check_rows(len(X))
    params = spec.init_params() if params is None else params
    handmade = train(MLP(spec, {k: v.copy() for k, v in params.items()}), X, Y, plan)
    reference = train_torch(TorchMLP(spec, params), X, Y, plan)
    return settle_parting(compare_histories(spec, plan, handmade, reference), X, Y, params, resync)
