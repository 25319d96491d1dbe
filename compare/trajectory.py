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

Re-synchronisation (:func:`resynchronise`): the handmade run is replayed with a
snapshot of its parameters and optimizer state at every epoch from
``first_over - 1``; for each such epoch the snapshot is loaded into *both*
sides, each runs that one epoch (one step in full batch) and the results are
compared against the one-step tolerance: the loss (floored at L_1, see
:func:`loss_floor_fraction`) and
every parameter after the step (tensor-wise rel diff; parameters never shrink
to rounding level, so they need no floor). The parameters after the step carry
every part of the update - gradient, momentum, Adam moments, bias corrections -
so a wrong gradient or optimizer formula shows there in the very step it acts.
Gradients and optimizer buffers are compared too but only shown (see
:class:`ResyncStep`), with floors scaled to the run's start: gradients and first
moments ``sqrt(phi) * |g_1|``, second moments ``phi * |g_1|^2`` (g_1: the
gradient at the initial parameters).

Condition-aware judgment: a step whose counted difference exceeds the one-step
tolerance is not failed at once. Its rounding spread is measured with the
reference itself (:func:`rounding_spread`: the torch step again with every
parameter, optimizer buffer and activation output moved by 1 ulp), and each
counted quantity passes iff ``|h - t| <= max(step, C * spread)``, C =
``Tolerance.spread_factor`` (see ``compare.tolerance`` for why 10). Records
carry the spread, the bar and ``spread_ratio = |h - t| / spread``. Only such
steps pay for the two extra torch steps.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from handmade.model import MLP
from handmade.optim import make_optimizer
from handmade.spec import MLPSpec, check_data
from handmade.train import History, TrainPlan, run_epoch, train

from .tolerance import tolerance_for

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
    a, b = a[finite_a], b[finite_b]
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), floor)
    diff = float(np.max(np.abs(a - b)))
    return diff / scale if scale > 0 else diff


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
    extra: dict = field(default_factory=dict)
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
                "rel_diff": self.rel_diff, **self.extra}


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


def _initial_gradients(spec: MLPSpec, params: dict, X, Y) -> dict[str, float]:
    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    net.forward(X)
    grads = net.backward(Y).params
    return {k: float(np.max(np.abs(g))) for k, g in grads.items()}


def _torch_epoch(ref, ref_optimizer, snapshot: dict, opt_snapshot: dict, Xt, Yt, batches):
    """Load a (handmade) snapshot into the torch side, run one epoch; (EpochResult, params, optimizer state)."""
    from torch_ref.train import load_optimizer_state, optimizer_state_numpy, run_epoch_torch

    ref.load_numpy(snapshot)
    load_optimizer_state(ref_optimizer, ref, opt_snapshot)
    result = run_epoch_torch(ref, ref_optimizer, Xt, Yt, batches)
    return result, ref.numpy_params(), optimizer_state_numpy(ref_optimizer, ref)["state"]


def _nudge(array: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Every non-zero entry moved by one ulp, up where ``up`` else down (zeros stay: a ReLU mask must not flip)."""
    toward = np.where(up, np.inf, -np.inf).astype(array.dtype)
    return np.where(array != 0, np.nextafter(array, toward), array)


def rounding_spread(ref, ref_optimizer, snapshot: dict, opt_snapshot: dict, Xt, Yt, batches, reference: dict,
                    loss_floor: float, perturbations: int = 2) -> dict[str, float]:
    """The step's own sensitivity to rounding, measured with the reference: ``{quantity: spread}``.

    The torch epoch is taken again from the same state with every stored
    quantity moved by one ulp in a seeded random direction: every parameter and
    optimizer buffer, and every output of the activation functions (through a
    forward hook that edits the output in place, so the backward pass, which
    reuses the output - tanh' = 1 - a^2, sigmoid' = a (1 - a) - sees it too).
    The spread of a quantity (the loss, each parameter after the step) is the
    largest floored rel diff (:func:`floored_rel`, same floors as the judged
    difference) between ``reference`` (the unperturbed torch result) and the
    ``perturbations`` perturbed results.

    Why the activation outputs: two correct implementations differ there by
    about one ulp (numpy's and torch's tanh/exp are both faithfully rounded but
    not identical), and a 1-ulp nudge of the parameters alone does not
    reproduce it: at a saturated unit it moves tanh(z) by (1 - a^2) ulp(z),
    far less than an ulp of a.
    """
    import torch

    spread = dict.fromkeys(reference, 0.0)
    for k in range(perturbations):
        rng = np.random.default_rng(k)
        generator = torch.Generator().manual_seed(k)
        params = {key: _nudge(value, rng.random(value.shape) < 0.5) for key, value in snapshot.items()}
        state = {key: {name: _nudge(arr, rng.random(arr.shape) < 0.5) for name, arr in buffers.items()}
                 for key, buffers in opt_snapshot["state"].items()}

        def nudge_output(module, inputs, output, generator=generator):
            up = torch.rand(output.shape, generator=generator) < 0.5
            toward = torch.where(up, torch.inf, -torch.inf).to(output.dtype)
            output.data.copy_(torch.where(output != 0, torch.nextafter(output, toward), output))

        hooks = [ref.activation.register_forward_hook(nudge_output)]
        if ref.output_activation is not ref.activation:
            hooks.append(ref.output_activation.register_forward_hook(nudge_output))
        try:
            result, perturbed, _ = _torch_epoch(ref, ref_optimizer, params, {**opt_snapshot, "state": state},
                                                Xt, Yt, batches)
        finally:
            for hook in hooks:
                hook.remove()
        perturbed["loss"] = result.loss
        for key in spread:
            floor = loss_floor if key == "loss" else 0.0
            spread[key] = max(spread[key], floored_rel(reference[key], perturbed[key], floor))
    return spread


def _judge_by_spread(step: ResyncStep, counted: dict[str, float], spread: dict[str, float], tol: float,
                     factor: float) -> None:
    """Re-judge a step over ``tol``: each quantity passes if ``diff <= max(tol, factor * spread)``.

    ``step`` is updated in place to the quantity closest to (or furthest over)
    its own bar, with that quantity's spread and bar.
    """
    allowed = {key: max(tol, factor * spread.get(key, 0.0)) for key in counted}
    name = max(counted, key=lambda key: counted[key] / allowed[key])
    step.worst_name, step.worst_rel_diff = name, counted[name]
    step.rounding_spread, step.allowed = spread.get(name, 0.0), allowed[name]
    step.passed = counted[name] <= allowed[name]


def resynchronise(spec: MLPSpec, X, Y, plan: TrainPlan, start_epoch: int = 1, params: dict | None = None,
                  end_epoch: int | None = None) -> Resync:
    """Replay the handmade run; from every epoch >= ``start_epoch`` take one epoch on both sides.

    Both sides start each replayed epoch from the handmade parameters and
    optimizer state of that epoch. Stops after the first epoch whose loss is
    non-finite on either side (there is no step after it).
    """
    from torch_ref.model import TorchMLP
    from torch_ref.train import make_torch_optimizer

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
    ref = TorchMLP(spec, params)
    ref_optimizer = make_torch_optimizer(plan.optimizer, ref, plan.lr)
    Xt, Yt = ref.tensor(X), ref.tensor(Y)
    batches_by_epoch = list(plan.batch_order(len(X)))
    steps = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in sorted(replay.snapshots):
            snapshot, opt_snapshot = replay.snapshots[epoch], replay.optimizer_snapshots[epoch]
            batches = batches_by_epoch[epoch - 1]
            for key, value in snapshot.items():
                np.copyto(net.params[key], value)
            optimizer.load_snapshot(opt_snapshot)
            mine = run_epoch(net, optimizer, X, Y, batches, keep_grads=True)
            theirs, ref_params, ref_state = _torch_epoch(ref, ref_optimizer, snapshot, opt_snapshot, Xt, Yt, batches)
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
                spread = rounding_spread(ref, ref_optimizer, snapshot, opt_snapshot, Xt, Yt, batches, reference,
                                         loss_floor)
                _judge_by_spread(step, counted, spread, tol, tolerance.spread_factor)
            steps.append(step)
            if not finite:
                break
    return Resync(start_epoch, steps, tol, tolerance.spread_factor)


def compare_training(spec: MLPSpec, X, Y, plan: TrainPlan, params: dict | None = None,
                     resync: bool = True) -> TrajectoryComparison:
    """Train both sides from the same ``params`` (default ``spec.init_params()``) and compare.

    Where the trajectories part (``first_over``), re-synchronise from the epoch
    before and decide between *sensitive dynamics* and *mismatch*.
    """
    from torch_ref.model import TorchMLP
    from torch_ref.train import train_torch

    X, Y = check_data(X, Y, spec.sizes, spec.dtype)
    plan.check_rows(len(X))
    params = spec.init_params() if params is None else params
    handmade = train(MLP(spec, {k: v.copy() for k, v in params.items()}), X, Y, plan)
    reference = train_torch(TorchMLP(spec, params), X, Y, plan)
    return settle_parting(compare_histories(spec, plan, handmade, reference), X, Y, params, resync)


def settle_parting(comparison: TrajectoryComparison, X, Y, params: dict, resync: bool = True) -> TrajectoryComparison:
    """Decide a parted comparison (status MISMATCH) between *sensitive dynamics* and *mismatch*.

    Re-synchronises from the epoch before ``first_over`` (see :func:`resynchronise`),
    starting the replay from ``params``, the initial parameters both runs started
    from; other statuses, or ``resync=False``, are returned unchanged. Used by
    :func:`compare_training` and by the batched sweep (``compare.sweep``), whose
    runs come from ``train_batched`` but whose replay is one separate run.
    """
    if comparison.status != MISMATCH or not resync:
        return comparison
    spec, plan = comparison.spec, comparison.plan
    start = max(1, comparison.first_over - 1)
    comparison.resync = resynchronise(spec, X, Y, plan, start, params, end_epoch=len(comparison.loss_handmade))
    resync = comparison.resync
    fail = resync.first_failure
    if fail is None:
        comparison.status = SENSITIVE
        comparison.mismatch_epoch = None
        comparison.reason = (f"{comparison.reason}; every one of {len(resync.steps)} re-synchronised "
                             f"steps agrees (worst {resync.worst.worst_rel_diff:.1e}{_bar(resync.worst, resync)})"
                             f"{_spread_note(resync)}; growth {comparison.growth.label}")
    else:
        comparison.mismatch_epoch = fail.epoch
        comparison.reason = (f"{comparison.reason}; re-synchronised step at epoch {fail.epoch} disagrees: "
                             f"{fail.worst_name} rel {fail.worst_rel_diff:.2e}{_bar(fail, resync, '>')}")
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
