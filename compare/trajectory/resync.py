"""Re-synchronisation: where two runs part, is every single step still the same step?

Two correct implementations whose whole-run losses part (``compare.trajectory``,
status *mismatch* before this module) may only be amplifying rounding.
:func:`resynchronise` tells that apart from a bug: the handmade run is replayed
with a snapshot of its parameters and optimizer state at every epoch from
``first_over - 1``; for each such epoch the snapshot is loaded into *both*
sides, each runs that one epoch (one step in full batch) and the results are
compared against the one-step tolerance: the loss (floored at L_1, see
``compare.trajectory.loss_floor_fraction``) and every parameter after the step
(tensor-wise rel diff; parameters never shrink to rounding level, so they need
no floor). The parameters after the step carry every part of the update -
gradient, momentum, Adam moments, bias corrections - so a wrong gradient or
optimizer formula shows there in the very step it acts. Gradients and
optimizer buffers are compared too but only shown (see :class:`ResyncStep`),
with floors scaled to the run's start: gradients and first moments
``sqrt(phi) * |g_1|``, second moments ``phi * |g_1|^2`` (g_1: the gradient at
the initial parameters).

A step over the one-step tolerance gets a second chance against its own
rounding spread (``compare.trajectory.spread``: ``|h - t| <= max(step, C * spread)``).

:func:`settle_parting` turns the outcome into the verdict: every step agrees ->
*sensitive dynamics* (a match; *both diverged* when both runs then blow up at the
same epoch); a step disagrees -> *mismatch* at that epoch.
"""

from __future__ import annotations

import math

import numpy as np

from compare.measure.differences import floored_rel
from compare.measure.tolerance import loss_floor_fraction, tolerance_for
from compare.trajectory.spread import TorchSide, judge_by_spread, rounding_spread
from compare.trajectory.verdict import BOTH_DIVERGED, MISMATCH, SENSITIVE, Resync, ResyncStep, TrajectoryComparison
from handmade.contract.plan import TrainPlan
from handmade.contract.spec import MLPSpec, check_data
from handmade.fast.step import FusedStep
from handmade.model import MLP
from handmade.optim import make_optimizer
from handmade.train import train


def _initial_gradients(spec: MLPSpec, params: dict, X, Y) -> dict[str, float]:
    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    net.forward(X)
    grads = net.backward(Y).params
    return {k: float(np.max(np.abs(g))) for k, g in grads.items()}


def resynchronise(spec: MLPSpec, X, Y, plan: TrainPlan, start_epoch: int = 1, params: dict | None = None,
                  end_epoch: int | None = None) -> Resync:
    """Replay the handmade run; from every epoch >= ``start_epoch`` take one epoch on both sides.

    Both sides start each replayed epoch from the handmade parameters and
    optimizer state of that epoch. Stops after the first epoch whose loss is
    non-finite on either side (there is no step after it).
    """
    X, Y = check_data(X, Y, spec.sizes, spec.dtype)
    params = spec.init_params() if params is None else params
    tolerance = tolerance_for(spec.dtype)
    tol = tolerance.step
    phi = loss_floor_fraction(spec.dtype)
    last = plan.epochs if end_epoch is None else min(end_epoch, plan.epochs)
    replay = train(MLP(spec, {k: v.copy() for k, v in params.items()}), X, Y,
                   plan.replace(snapshot_epochs=tuple(range(start_epoch, last + 1)), record_grad_norms=False))
    g1 = _initial_gradients(spec, params, X, Y)
    loss_floor = loss_floor_fraction(spec.dtype, one_step=True) * (
        float(replay.loss[0]) if math.isfinite(replay.loss[0]) else 0.0)
    sqrt_phi = math.sqrt(phi)

    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    optimizer = make_optimizer(plan.optimizer, net.params, plan.lr)
    # The same step the handmade run trained with (handmade.train's fused step): a bug in it cannot
    # hide behind a replay that takes another path.
    replay_epoch = FusedStep(net, optimizer).epoch_runner(X, Y, keep_grads=True)
    side = TorchSide.build(spec, params, plan, X, Y)
    batches_by_epoch = list(plan.batch_order(len(X)))
    steps = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in sorted(replay.snapshots):
            snapshot, opt_snapshot = replay.snapshots[epoch], replay.optimizer_snapshots[epoch]
            batches = batches_by_epoch[epoch - 1]
            for key, value in snapshot.items():
                np.copyto(net.params[key], value)
            optimizer.load_snapshot(opt_snapshot)
            mine = replay_epoch(batches)
            theirs, ref_params, ref_state = side.epoch(snapshot, opt_snapshot, batches)
            counted = {"loss": floored_rel(mine.loss, theirs.loss, loss_floor)}
            shown = {}
            finite = math.isfinite(mine.loss) and math.isfinite(theirs.loss)
            if finite:
                for key in net.params:
                    counted[key] = floored_rel(net.params[key], ref_params[key], 0.0)
                    shown[f"grad {key}"] = floored_rel(mine.grads[key], theirs.grads[key], sqrt_phi * g1[key])
                    for name in sorted(set(optimizer.state[key]) | set(ref_state[key])):
                        if name not in optimizer.state[key] or name not in ref_state[key]:
                            counted[f"{name} {key}"] = math.inf  # one side keeps a buffer the other lacks
                            continue
                        scale = g1[key] ** 2 if name == "exp_avg_sq" else sqrt_phi * g1[key]
                        shown[f"{name} {key}"] = floored_rel(optimizer.state[key][name], ref_state[key][name],
                                                             (phi if name == "exp_avg_sq" else 1.0) * scale)
            worst_name = max(counted, key=counted.get)
            worst_shown = max(shown, key=shown.get) if shown else ""
            step = ResyncStep(epoch, worst_name, counted[worst_name], counted[worst_name] <= tol,
                              mine.loss, theirs.loss, worst_shown, shown.get(worst_shown, 0.0))
            if not step.passed and finite and math.isfinite(step.worst_rel_diff):
                # Only a step over the plain tolerance pays for measuring its own rounding sensitivity.
                reference = {"loss": theirs.loss, **ref_params}
                spread = rounding_spread(side, snapshot, opt_snapshot, batches, reference, loss_floor)
                judge_by_spread(step, counted, spread, tol, tolerance.spread_factor)
            steps.append(step)
            if not finite:
                break
    return Resync(start_epoch, steps, tol, tolerance.spread_factor)


def settle_parting(comparison: TrajectoryComparison, X, Y, params: dict, resync: bool = True) -> TrajectoryComparison:
    """Re-synchronise where the loss curve cannot vouch for the steps, and settle the verdict.

    * A parted comparison (status MISMATCH): re-synchronise from the epoch before
      ``first_over`` (see :func:`resynchronise`); every step agrees -> *sensitive
      dynamics* (*both diverged* if both runs then blow up at the same epoch), a
      step disagrees -> *mismatch* at that epoch.
    * Both diverged with every finite epoch within tolerance: the loss of epoch k+1
      vouches for the step of epoch k, except for the step *into* the blow-up,
      whose loss is non-finite on both sides. That one step is re-synchronised
      (an update 1% too large that blows up in one step would hide there).

    The replay starts from ``params``, the initial parameters both runs started
    from; other statuses, or ``resync=False``, are returned unchanged. Used by
    :func:`compare_training` and by the batched sweep (``compare.trajectory.sweep``), whose
    runs come from ``train_batched`` but whose replay is one separate run.
    """
    parted = comparison.status == MISMATCH
    blew_up_in_a_step = comparison.status == BOTH_DIVERGED and comparison.handmade_diverged_at > 1
    if not (parted or blew_up_in_a_step) or not resync:  # (diverged at epoch 1: the initial weights, no step)
        return comparison
    start = comparison.first_over - 1 if parted else comparison.handmade_diverged_at - 1
    comparison.resync = resync = resynchronise(comparison.spec, X, Y, comparison.plan, max(1, start), params,
                                               end_epoch=len(comparison.loss_handmade))
    fail = resync.first_failure
    if fail is not None:
        comparison.status = MISMATCH
        comparison.mismatch_epoch = fail.epoch
        comparison.reason = (f"{comparison.reason}; re-synchronised step at epoch {fail.epoch} disagrees: "
                             f"{fail.worst_name} rel {fail.worst_rel_diff:.2e}{_bar(fail, resync, '>')}")
    elif not parted:
        comparison.reason = (f"{comparison.reason}; the step into the blow-up, re-synchronised, agrees "
                             f"(rel {resync.worst.worst_rel_diff:.1e}{_bar(resync.worst, resync)})")
    else:
        # Two runs that blow up together are "both diverged" only now, once every step before agreed.
        comparison.status = BOTH_DIVERGED if comparison.diverged_together else SENSITIVE
        comparison.mismatch_epoch = None
        comparison.reason = (f"{comparison.reason}; every one of {len(resync.steps)} re-synchronised "
                             f"steps agrees (worst {resync.worst.worst_rel_diff:.1e}{_bar(resync.worst, resync)})"
                             f"{_spread_note(resync)}; growth {comparison.growth.label}")
    return comparison


def _bar(step: ResyncStep, resync: Resync, relation: str = "<=") -> str:
    """`` <= 1e-13`` or, for a step judged by its spread, `` <= 10 x spread 2.2e-11``."""
    if step.rounding_spread is None or step.allowed == resync.tolerance:
        return f" {relation} {resync.tolerance:g}"
    return f" {relation} {resync.spread_factor:g} x rounding spread {step.rounding_spread:.1e}"


def _spread_note(resync: Resync) -> str:
    over = resync.spread_steps
    if not over:
        return ""
    ratio = max(s.spread_ratio for s in over)
    return (f"; {len(over)} step(s) over {resync.tolerance:g} judged by their own rounding spread "
            f"(largest |h - t| / spread {ratio:.2f})")
