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


class _Members:
    """The records of K stacked members: who is still training (``alive``: the member of each stack
    row), each one's epoch losses and norms, stopping rule, and History once it stops."""

    def __init__(self, engine, K: int, n_layers: int, plan: TrainPlan):
        self.engine, self.plan = engine, plan
        self.histories = [History(loss=np.empty(0), final_params={}) for _ in range(K)]
        self.rules = [StoppingRule(plan) for _ in range(K)]
        self.alive = np.arange(K)
        self.losses = np.full((plan.epochs, K), np.nan)
        self.norms = np.zeros((plan.epochs, K, n_layers)) if plan.record_grad_norms else None
        self.epochs_run = np.zeros(K, dtype=int)

    def snapshot(self, epoch: int) -> None:
        for row, k in enumerate(self.alive):
            self.histories[k].snapshots[epoch] = self.engine.member_params(row)
            self.histories[k].optimizer_snapshots[epoch] = self.engine.member_state(row)

    def record(self, epoch: int, rows, loss_sum: np.ndarray, norm_sum, n_batches: int) -> None:
        """The epoch's mean loss (and norms) of stack rows ``rows``."""
        self.losses[epoch - 1, self.alive[rows]] = loss_sum[rows] / n_batches
        if self.norms is not None:
            self.norms[epoch - 1, self.alive[rows]] = norm_sum[rows] / n_batches

    def retire(self, rows: np.ndarray, epoch: int, reasons: list[str]) -> np.ndarray:
        """Close the Histories of stack rows ``rows`` and drop them from the stack; return the keep mask."""
        for row, reason in zip(rows, reasons):
            k = self.alive[row]
            self.histories[k].stop_reason = reason
            self.histories[k].diverged_at = epoch if reason == STOP_DIVERGED else None
            self.histories[k].final_params = self.engine.member_params(row)
            self.epochs_run[k] = epoch
        keep = np.ones(len(self.alive), dtype=bool)
        keep[rows] = False
        self.engine.drop(keep)
        self.alive = self.alive[keep]
        return keep

    def stop_by_rules(self, epoch: int, mean_loss: np.ndarray) -> None:
        """Every member's stopping rule after an epoch; the stopped ones retire."""
        checks_every_member = self.plan.stop_loss is not None or self.plan.patience is not None
        # Without a target or patience only divergence stops a member: one vectorised test.
        if not checks_every_member and np.isfinite(mean_loss).all():
            return
        stops = [(row, reason) for row, k in enumerate(self.alive)
                 if (reason := self.rules[k].check(float(mean_loss[row]))) is not None]
        if stops:
            self.retire(np.array([row for row, _ in stops]), epoch, [reason for _, reason in stops])

    def finish(self) -> list[History]:
        if len(self.alive):
            self.retire(np.arange(len(self.alive)), self.plan.epochs,
                        [self.histories[k].stop_reason for k in self.alive])
        for k, history in enumerate(self.histories):
            history.loss = self.losses[:self.epochs_run[k], k].copy()
            if self.norms is not None:
                history.grad_norms = self.norms[:self.epochs_run[k], k].copy()
        return self.histories


def run_members(engine, K: int, n_layers: int, X: np.ndarray, Y: np.ndarray, plan: TrainPlan) -> list[History]:
    """The training loop of ``handmade.train``, for K stacked members at once (any engine).

    Per epoch and batch: per-member losses; members with a non-finite loss
    retire before the update (as a single run stops there); the others update.
    After each epoch, every member's stopping rule; stopped members retire.

    ``engine``: ``losses(xb, yb) -> (K,)`` (forward), ``update(norms) -> (K, L) or None``
    (backward and step), ``drop(keep)``, ``member_params(row)``, ``member_state(row)``.
    """
    members = _Members(engine, K, n_layers, plan)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch, batches in enumerate(plan.batch_order(len(X)), start=1):
            if epoch in plan.snapshot_epochs:
                members.snapshot(epoch)
            # Per epoch a handful of array operations on (K,) vectors, whatever K is: with
            # tiny networks this loop's own cost is comparable to a batched step's arithmetic.
            loss_sum = np.zeros(len(members.alive))
            norm_sum = np.zeros((len(members.alive), n_layers)) if members.norms is not None else None
            for rows in batches:
                xb, yb = (X, Y) if len(batches) == 1 else (X[rows], Y[rows])
                batch_loss = engine.losses(xb, yb)
                loss_sum += batch_loss
                bad = np.flatnonzero(~np.isfinite(batch_loss))
                if bad.size:  # as handmade.train: a non-finite batch loss ends that run before its update
                    members.record(epoch, bad, loss_sum, norm_sum, len(batches))
                    keep = members.retire(bad, epoch, [STOP_DIVERGED] * len(bad))
                    loss_sum = loss_sum[keep]
                    norm_sum = None if norm_sum is None else norm_sum[keep]
                    if not len(members.alive):
                        break
                norms = engine.update(members.norms is not None)
                if norms is not None:
                    norm_sum += norms
            if not len(members.alive):
                break
            members.record(epoch, slice(None), loss_sum, norm_sum, len(batches))
            members.stop_by_rules(epoch, loss_sum / len(batches))
            if not len(members.alive):
                break
    return members.finish()
