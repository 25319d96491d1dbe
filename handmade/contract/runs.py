"""What a training run records, and the bookkeeping of the epoch loop both sides drive.

Per epoch the history records the loss of that epoch: for full batch the loss
of the one forward pass before the update, for mini-batches the mean of the
batch losses (each before its update). Epochs are numbered from 1.

Each side owns its arithmetic - one epoch (``handmade.train.run_epoch``,
``torch_ref.train.run_epoch_torch``) or one stacked step (the batched engines) -
and hands it to :func:`run_epochs` (one network) or :func:`run_members` (K stacked
networks), which keep the records only: snapshots, the stopping rule, divergence,
members that stop while the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .plan import STOP_DIVERGED, STOP_EPOCHS, StoppingRule, TrainPlan


@dataclass
class History:
    """What a run produced. ``loss[k-1]`` is the loss of epoch k.

    ``grad_norms[k-1, l]``: ||(dW_l, db_l)||_2 of layer l in epoch k (mean over
    batches), when the plan asks for it. ``snapshots[k]``: parameters at the
    start of epoch k; ``optimizer_snapshots[k]``: optimizer step count and state
    then. ``diverged_at``: the first epoch whose loss was not finite.
    """

    loss: np.ndarray
    final_params: dict[str, np.ndarray]
    stop_reason: str = STOP_EPOCHS
    diverged_at: int | None = None
    grad_norms: np.ndarray | None = None
    snapshots: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    optimizer_snapshots: dict[int, dict] = field(default_factory=dict)

    @property
    def epochs_run(self) -> int:
        return len(self.loss)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


@dataclass
class EpochResult:
    """One epoch: ``loss`` (mean of its batch losses), the last batch's gradients, layer norms.

    ``grads`` is None when the epoch stopped at a non-finite loss (no step was taken then)
    or when nobody asked for them (``keep_grads``).
    """

    loss: float
    grads: dict[str, np.ndarray] | None
    grad_norms: np.ndarray


def run_epochs(plan: TrainPlan, n_rows: int, one_epoch, snapshot) -> History:
    """The epoch loop both implementations share: snapshots, stopping rule, divergence.

    ``one_epoch(batches) -> EpochResult`` trains one epoch on one side;
    ``snapshot() -> (params, optimizer state)`` copies that side's state. Only
    the bookkeeping is shared: each side does its own arithmetic.
    """
    stopping = StoppingRule(plan)
    losses, norms = [], []
    history = History(loss=np.empty(0), final_params={})
    for epoch, batches in enumerate(plan.batch_order(n_rows), start=1):
        if epoch in plan.snapshot_epochs:
            history.snapshots[epoch], history.optimizer_snapshots[epoch] = snapshot()
        result = one_epoch(batches)
        losses.append(result.loss)
        norms.append(result.grad_norms)
        reason = stopping.check(result.loss)
        if reason is not None:
            history.stop_reason = reason
            if reason == STOP_DIVERGED:
                history.diverged_at = epoch
            break
    history.loss = np.array(losses, dtype=np.float64)
    if plan.record_grad_norms:
        history.grad_norms = np.array(norms)
    return history


def run_members(engine, K: int, n_layers: int, X: np.ndarray, Y: np.ndarray, plan: TrainPlan) -> list[History]:
    """The training loop of ``handmade.train``, for K stacked members at once (any engine).

    Per epoch and batch: per-member losses; members with a non-finite loss
    retire before the update (as a single run stops there); the others update.
    After each epoch, every member's stopping rule; stopped members retire.
    """
    histories = [History(loss=np.empty(0), final_params={}) for _ in range(K)]
    rules = [StoppingRule(plan) for _ in range(K)]
    checks_every_member = plan.stop_loss is not None or plan.patience is not None
    alive = np.arange(K)  # the original index of each row of the stack
    epoch_losses = np.full((plan.epochs, K), np.nan)
    epoch_norms = np.zeros((plan.epochs, K, n_layers)) if plan.record_grad_norms else None
    epochs_run = np.zeros(K, dtype=int)

    def retire(rows: np.ndarray, epoch: int, reasons: list[str]) -> np.ndarray:
        """Close the Histories of stack rows ``rows``, drop them; return the keep mask."""
        nonlocal alive
        for row, reason in zip(rows, reasons):
            k = alive[row]
            histories[k].stop_reason = reason
            histories[k].diverged_at = epoch if reason == STOP_DIVERGED else None
            histories[k].final_params = engine.member_params(row)
            epochs_run[k] = epoch
        keep = np.ones(len(alive), dtype=bool)
        keep[rows] = False
        engine.drop(keep)
        alive = alive[keep]
        return keep

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch, batches in enumerate(plan.batch_order(len(X)), start=1):
            if epoch in plan.snapshot_epochs:
                for row, k in enumerate(alive):
                    histories[k].snapshots[epoch] = engine.member_params(row)
                    histories[k].optimizer_snapshots[epoch] = engine.member_state(row)
            # Per epoch a handful of array operations on (K,) vectors, whatever K is: with
            # tiny networks this loop's own cost is comparable to a batched step's arithmetic.
            loss_sum = np.zeros(len(alive))
            norm_sum = np.zeros((len(alive), n_layers)) if epoch_norms is not None else None
            for rows in batches:
                xb, yb = (X, Y) if len(batches) == 1 else (X[rows], Y[rows])
                batch_loss = engine.losses(xb, yb)
                loss_sum += batch_loss
                finite = np.isfinite(batch_loss)
                if not finite.all():
                    bad = np.flatnonzero(~finite)
                    # As handmade.train: a non-finite batch loss ends that run before its update.
                    epoch_losses[epoch - 1, alive[bad]] = loss_sum[bad] / len(batches)
                    if epoch_norms is not None:
                        epoch_norms[epoch - 1, alive[bad]] = norm_sum[bad] / len(batches)
                    keep = retire(bad, epoch, [STOP_DIVERGED] * len(bad))
                    loss_sum = loss_sum[keep]
                    if norm_sum is not None:
                        norm_sum = norm_sum[keep]
                    if not len(alive):
                        break
                norms = engine.update(epoch_norms is not None)
                if norms is not None:
                    norm_sum += norms
            if not len(alive):
                break
            mean_loss = loss_sum / len(batches)
            epoch_losses[epoch - 1, alive] = mean_loss
            if epoch_norms is not None:
                epoch_norms[epoch - 1, alive] = norm_sum / len(batches)
            # Without a target or patience only divergence stops a member: one vectorised test.
            if checks_every_member or not np.isfinite(mean_loss).all():
                stops = [(row, reason) for row, k in enumerate(alive)
                         if (reason := rules[k].check(float(mean_loss[row]))) is not None]
                if stops:
                    retire(np.array([row for row, _ in stops]), epoch, [reason for _, reason in stops])
                    if not len(alive):
                        break
        if len(alive):
            retire(np.arange(len(alive)), plan.epochs, [histories[k].stop_reason for k in alive])

    for k, history in enumerate(histories):
        history.loss = epoch_losses[:epochs_run[k], k].copy()
        if epoch_norms is not None:
            history.grad_norms = epoch_norms[:epochs_run[k], k].copy()
    return histories
