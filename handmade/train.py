"""The training plan shared by both implementations, and the NumPy training loop.

A :class:`TrainPlan` fixes everything about a run except the network: the
optimizer, learning rate, epochs, batch size, the batch order (drawn once from
``plan.seed``, so both sides see the same rows in the same order) and the
stopping rule. ``torch_ref.train_torch`` follows the same plan with
``torch.optim``; both return a :class:`History`.

Per epoch the history records the loss of that epoch: for full batch the loss
of the one forward pass before the update, for mini-batches the mean of the
batch losses (each before its update). Epochs are numbered from 1.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .errors import InvalidInput
from .model import MLP
from .optim import canonical_optimizer, make_optimizer
from .spec import check_data

STOP_EPOCHS = "epochs done"
STOP_TARGET = "target loss reached"
STOP_PATIENCE = "no improvement"
STOP_DIVERGED = "diverged"


@dataclass(frozen=True)
class TrainPlan:
    """How to train: ``TrainPlan(optimizer="adam", lr=1e-2, epochs=500, batch_size=8)``.

    ``batch_size=None`` is full batch (rows in their given order every epoch);
    otherwise each epoch is a fresh permutation from ``default_rng(seed)``,
    cut into batches of ``batch_size`` (the last one may be smaller).
    Stopping: at ``epochs``, or once the epoch loss <= ``stop_loss``, or after
    ``patience`` epochs without the loss improving by more than ``min_delta``.
    ``snapshot_epochs``: epochs at whose start the parameters and optimizer
    state are kept (for re-synchronisation and plots).
    """

    optimizer: str = "sgd"
    lr: float = 0.1
    epochs: int = 1000
    batch_size: int | None = None
    seed: int = 0
    stop_loss: float | None = None
    patience: int | None = None
    min_delta: float = 0.0
    record_grad_norms: bool = False
    snapshot_epochs: tuple[int, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "optimizer", canonical_optimizer(self.optimizer))
        lr = float(self.lr)
        if not math.isfinite(lr) or lr <= 0:
            raise InvalidInput(f"learning rate must be a positive finite number, got {self.lr!r}")
        object.__setattr__(self, "lr", lr)
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, (int, np.integer)) or self.epochs < 1:
            raise InvalidInput(f"epochs must be a positive integer, got {self.epochs!r}")
        if self.batch_size is not None and (
            isinstance(self.batch_size, bool) or not isinstance(self.batch_size, (int, np.integer))
            or self.batch_size < 1
        ):
            raise InvalidInput(f"batch size must be a positive integer or None (full batch), got {self.batch_size!r}")
        if self.patience is not None and (not isinstance(self.patience, (int, np.integer)) or self.patience < 1):
            raise InvalidInput(f"patience must be a positive integer, got {self.patience!r}")
        if self.stop_loss is not None and not (math.isfinite(self.stop_loss) and self.stop_loss >= 0):
            raise InvalidInput(f"stop_loss must be a finite number >= 0, got {self.stop_loss!r}")
        object.__setattr__(self, "snapshot_epochs", tuple(sorted({int(e) for e in self.snapshot_epochs})))

    def check_rows(self, n_rows: int) -> None:
        if self.batch_size is not None and self.batch_size > n_rows:
            raise InvalidInput(
                f"batch size {self.batch_size} is larger than the data ({n_rows} rows); "
                f"use at most {n_rows}, or full batch"
            )

    def batch_order(self, n_rows: int):
        """Yield, per epoch, the list of row-index arrays of its batches."""
        self.check_rows(n_rows)
        if self.batch_size is None:
            everything = [np.arange(n_rows)]
            for _ in range(self.epochs):
                yield everything
            return
        rng = np.random.default_rng(self.seed)
        for _ in range(self.epochs):
            perm = rng.permutation(n_rows)
            yield [perm[i:i + self.batch_size] for i in range(0, n_rows, self.batch_size)]

    def replace(self, **changes) -> TrainPlan:
        return TrainPlan(**{**asdict(self), **changes})

    def to_dict(self) -> dict:
        return {**asdict(self), "snapshot_epochs": list(self.snapshot_epochs)}


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


class StoppingRule:
    """The lesson's "stop once the loss is minimised", as a target or a patience."""

    def __init__(self, plan: TrainPlan):
        self.plan = plan
        self.best = math.inf
        self.since_best = 0

    def check(self, loss: float) -> str | None:
        """Return why training stops after an epoch with this loss, or None."""
        if not math.isfinite(loss):
            return STOP_DIVERGED
        if self.plan.stop_loss is not None and loss <= self.plan.stop_loss:
            return STOP_TARGET
        if self.plan.patience is not None:
            if loss < self.best - self.plan.min_delta:
                self.best, self.since_best = loss, 0
            else:
                self.since_best += 1
                if self.since_best >= self.plan.patience:
                    return STOP_PATIENCE
        return None


def layer_grad_norms(grads: dict[str, np.ndarray], n_layers: int) -> np.ndarray:
    """||(dW_l, db_l)||_2 per layer l, float64, shape (n_layers,)."""
    return np.array([
        math.sqrt(float(np.vdot(grads[f"layers.{l}.weight"], grads[f"layers.{l}.weight"]))
                  + float(np.vdot(grads[f"layers.{l}.bias"], grads[f"layers.{l}.bias"])))
        for l in range(n_layers)
    ])


@dataclass
class EpochResult:
    """One epoch: ``loss`` (mean of its batch losses), the last batch's gradients, layer norms.

    ``grads`` is None when the epoch stopped at a non-finite loss (no step was taken then)
    or when nobody asked for them (``keep_grads``).
    """

    loss: float
    grads: dict[str, np.ndarray] | None
    grad_norms: np.ndarray


def run_epoch(model: MLP, optimizer, X: np.ndarray, Y: np.ndarray, batches, grad_norms: bool = False,
              keep_grads: bool = False) -> EpochResult:
    """Forward, loss, backward and one optimizer step per batch (row-index arrays).

    Stops at the first non-finite batch loss without stepping, so a diverged
    run never feeds NaN into the parameters. Used by :func:`train` and by the
    re-synchronisation in ``compare.trajectory`` (one epoch from a snapshot,
    ``keep_grads=True``). When neither the gradients nor their norms are wanted,
    the fused ``MLP.train_step`` does the same arithmetic with fewer copies.
    """
    epoch_loss, norms, grads = 0.0, np.zeros(model.spec.n_layers), None
    fused = not (grad_norms or keep_grads)
    for rows in batches:
        if len(batches) == 1:
            # One batch holds every row: use X as given (a permutation of the rows of one
            # batch would change the rounding of the sums only), as handmade.batched does.
            xb, yb = X, Y
        else:
            xb, yb = X[rows], Y[rows]
        if fused:
            batch_loss = model.train_step(xb, yb, optimizer, validate=False)  # checked once by train()
            epoch_loss += batch_loss
            if not math.isfinite(batch_loss):
                break
            continue
        model.forward(xb)
        batch_loss = model.loss(yb)
        epoch_loss += batch_loss
        if not math.isfinite(batch_loss):
            break
        grads = model.backward(yb).params
        if grad_norms:
            norms += layer_grad_norms(grads, model.spec.n_layers)
        optimizer.step(grads)
    else:
        return EpochResult(epoch_loss / len(batches), grads, norms / len(batches))
    return EpochResult(epoch_loss / len(batches), None, norms / len(batches))


def train(model: MLP, X, Y, plan: TrainPlan) -> History:
    """Train ``model`` in place on (X, Y) following ``plan``; return its History.

    A non-finite loss ends the run as diverged. Floating-point warnings are
    silenced inside the loop because that check reports them, once, as data.
    """
    X, Y = check_data(X, Y, model.spec.sizes, model.dtype)
    optimizer = make_optimizer(plan.optimizer, model.params, plan.lr)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        history = run_epochs(
            plan, len(X),
            lambda batches: run_epoch(model, optimizer, X, Y, batches, plan.record_grad_norms),
            lambda: ({k: v.copy() for k, v in model.params.items()}, optimizer.snapshot()),
        )
    history.final_params = model.params
    return history


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
