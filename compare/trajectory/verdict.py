"""Training-trajectory parity: two whole runs compared epoch by epoch, and re-synchronised.

``compare_training(spec, X, Y, plan)`` trains the handmade MLP and the torch
reference from the same initial parameters on the same batches and returns a
:class:`TrajectoryComparison`:

* per epoch k: ``abs_diff[k] = |L_h - L_t|`` and the floored relative difference

      rel_diff[k] = |L_h - L_t| / max(|L_h|, |L_t|, phi * L_1)

  where L_1 is the loss of epoch 1 and ``phi = (2 step / trajectory)^2`` is the
  *loss floor* of the dtype (see ``compare.measure.tolerance``): above it the loss is
  compared relatively; below it, where the residuals approach rounding noise
  and a relative difference of the loss means nothing, the difference is
  counted in units of ``phi * L_1``;
* ``first_over``: the first epoch whose ``rel_diff`` exceeds the trajectory
  tolerance; ``growth``: a geometric fit of how the difference grows per epoch;
* the parameter distance at the end; the divergence epoch of each side.

Verdicts (``status``):

=====================  ===========================================================  =======
match                  every epoch within tolerance, same length                    match
both diverged          both losses turned non-finite at the same epoch, and every   match
                       finite epoch before it passed like any other run's: within
                       the tolerance, or every re-synchronised step agrees (a bug
                       that only speeds up the blow-up is a mismatch, not this)
sensitive dynamics     the difference outgrew the tolerance, but every              match
                       re-synchronised step from ``first_over - 1`` on agrees to
                       the one-step tolerance (or, where the step is ill-
                       conditioned, to C x its own rounding spread, see below):
                       the runs part by amplified rounding
mismatch               a re-synchronised step disagrees: ``mismatch_epoch`` is      FAIL
                       where the two implementations compute different steps
=====================  ===========================================================  =======

Re-synchronisation (``compare.trajectory.resync``): from the epoch before ``first_over``
both sides take every single step again from the handmade state and are
compared against the one-step tolerance; a step over it is judged against C x
its own rounding spread (``compare.trajectory.spread``). :func:`compare_training` runs it
through :func:`compare.trajectory.resync.settle_parting`.

A divergence is no excuse: two runs that blow up at the same epoch are first
judged exactly as two runs that do not (a parting is a *mismatch* until every
re-synchronised step up to the blow-up agrees). Only then is the cell *both
diverged* rather than *sensitive dynamics*; both count as a match. Why: an update
bug (SGD stepping 1% too far) makes a run that diverges anyway diverge at the
same epoch, 91% apart from epoch 2; the blow-up must not cover for it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from compare.measure.differences import loss_rel_diffs, param_differences
from compare.measure.tolerance import loss_floor_fraction, tolerance_for
from compare.trajectory.growth import Growth, fit_growth
from handmade.contract.plan import TrainPlan
from handmade.contract.runs import History
from handmade.contract.spec import MLPSpec

MATCH = "match"
BOTH_DIVERGED = "both diverged"
SENSITIVE = "sensitive dynamics"
MISMATCH = "mismatch"
MATCHING = (MATCH, BOTH_DIVERGED, SENSITIVE)


@dataclass
class ResyncStep:
    """One re-synchronised epoch: the worst counted quantity and whether all agreed.

    Counted: the loss and every parameter after the step (the state the next
    epoch starts from). Shown only (``diagnostic_*``): the gradients and the
    optimizer buffers. They are the *inputs* of the parameter update, and at
    saturated units (tanh'(z) = 1 - a^2 with a within ulps of 1) or near a
    minimum they are dominated by rounding noise whose relative size says
    nothing about correctness; what they do to the parameters is what counts.
    A buffer present on one side only is counted (and fails).
    """

    epoch: int
    worst_name: str
    worst_rel_diff: float
    passed: bool
    loss_handmade: float
    loss_torch: float
    diagnostic_name: str = ""
    diagnostic_rel_diff: float = 0.0
    # Set only for a step over the plain tolerance (see rounding_spread): the reference's own
    # spread under 1-ulp perturbations for the quantity judged, and the bar the step was held to.
    rounding_spread: float | None = None
    allowed: float | None = None

    @property
    def spread_ratio(self) -> float | None:
        """``|h - t| / spread``: how many rounding spreads apart the two sides are (None: not measured)."""
        if self.rounding_spread is None:
            return None
        return self.worst_rel_diff / self.rounding_spread if self.rounding_spread > 0 else math.inf

    def to_dict(self) -> dict:
        return {**asdict(self), "spread_ratio": self.spread_ratio}


@dataclass
class Resync:
    start_epoch: int
    steps: list[ResyncStep]
    tolerance: float
    spread_factor: float = 0.0  # C of the condition-aware bar (see rounding_spread)

    @property
    def first_failure(self) -> ResyncStep | None:
        return next((s for s in self.steps if not s.passed), None)

    @property
    def worst(self) -> ResyncStep | None:
        return max(self.steps, key=lambda s: s.worst_rel_diff, default=None)

    @property
    def passed(self) -> bool:
        return bool(self.steps) and self.first_failure is None

    @property
    def spread_steps(self) -> list[ResyncStep]:
        """The steps over the plain tolerance, judged against their own rounding spread."""
        return [s for s in self.steps if s.rounding_spread is not None]

    def to_dict(self) -> dict:
        worst, fail = self.worst, self.first_failure
        return {"start_epoch": self.start_epoch, "epochs_checked": len(self.steps), "tolerance": self.tolerance,
                "spread_factor": self.spread_factor, "spread_steps": len(self.spread_steps), "passed": self.passed,
                "worst": worst.to_dict() if worst else None,
                "first_failure": fail.to_dict() if fail else None}


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
    def diverged_together(self) -> bool:
        """Both losses turned non-finite, at the same epoch (what the verdict says about the epochs before
        is another matter: see the module docstring)."""
        return self.handmade_diverged_at is not None and self.handmade_diverged_at == self.torch_diverged_at

    @property
    def worst_rel_diff(self) -> float:
        return float(np.max(self.rel_diff, initial=0.0))

    @property
    def worst_epoch(self) -> int | None:
        return int(np.argmax(self.rel_diff)) + 1 if len(self.rel_diff) else None

    @property
    def checked_rel_diff(self) -> float:
        """The worst difference among the comparisons expected to match.

        Without re-synchronisation, the whole loss curve (a parting nobody explained is
        a difference). With it, the curve if it never parts (once parted, its difference
        is *expected* to grow; an epoch where both sides are non-finite counts 0, see
        ``loss_rel_diffs``) and every re-synchronised step.
        """
        if self.resync is None:
            return self.worst_rel_diff
        curve = self.worst_rel_diff if self.first_over is None else 0.0
        worst = self.resync.worst
        return max(curve, worst.worst_rel_diff) if worst else math.inf

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
    if comparison.first_over is None:
        comparison.status = BOTH_DIVERGED if comparison.diverged_together else MATCH
        before = "every finite epoch before it" if comparison.diverged_together else "every epoch"
        comparison.reason = f"{before} within {tol:g}"
        if comparison.diverged_together:
            comparison.reason = (f"both diverged at epoch {handmade.diverged_at}; {comparison.reason}"
                                 if handmade.diverged_at > 1 else
                                 "both diverged at epoch 1: the initial weights' loss is not finite on either side")
    else:
        # Parted: a mismatch until re-synchronisation (settle_parting) shows every step agrees - whether or not
        # both runs later blow up together.
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
    parted = f"loss difference {c.worst_rel_diff:.2e} > {c.tolerance:g}, first at epoch {c.first_over}"
    if c.diverged_together:
        # The divergence epoch itself counts 0 (both non-finite): the parting happened before it.
        loss = c.loss_handmade[c.first_over - 1]
        scale = c.loss_floor / loss_floor_fraction(c.spec.dtype)  # L_1
        where = f" (loss {loss:.1e} = {loss / scale:.1e} x L_1)" if scale > 0 else ""
        return f"both diverged at epoch {h}; before that, {parted}{where}"
    return parted
