"""The training plan both implementations follow: optimizer, learning rate, epochs, batch order, stopping.

A :class:`TrainPlan` fixes everything about a run except the network: the
optimizer, learning rate, epochs, batch size, the batch order (drawn once from
``plan.seed``, so both sides see the same rows in the same order) and the
stopping rule (:class:`StoppingRule`: the lesson's "stop once the loss is
minimised", as a target loss or a patience, and divergence).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..optim import canonical_optimizer, learning_rate
from .errors import InvalidInput

STOP_EPOCHS = "epochs done"
STOP_TARGET = "target loss reached"
STOP_PATIENCE = "no improvement"
STOP_DIVERGED = "diverged"


@dataclass(frozen=True)
class TrainPlan:
    """How to train: ``TrainPlan(optimizer="adam", lr=1e-2, epochs=500, batch_size=8)``.

    ``batch_size=None`` is full batch (rows in their given order every epoch);
    otherwise each epoch is a fresh permutation from ``default_rng(seed)``
    (``shuffle=False``: the rows in their given order, as code that trains one
    sample at a time does), cut into batches of ``batch_size`` (the last one
    may be smaller).
    Stopping: at ``epochs``, or once the epoch loss <= ``stop_loss``, or after
    ``patience`` epochs without the loss improving by more than ``min_delta``.
    ``snapshot_epochs``: epochs at whose start the parameters and optimizer
    state are kept (for re-synchronisation and plots).
    """

    optimizer: str = "sgd"
    lr: float = 0.1
    epochs: int = 1000
    batch_size: int | None = None
    shuffle: bool = True
    seed: int = 0
    stop_loss: float | None = None
    patience: int | None = None
    min_delta: float = 0.0
    record_grad_norms: bool = False
    snapshot_epochs: tuple[int, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "optimizer", canonical_optimizer(self.optimizer))
        object.__setattr__(self, "lr", learning_rate(self.lr))
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
            perm = rng.permutation(n_rows) if self.shuffle else np.arange(n_rows)
            yield [perm[i:i + self.batch_size] for i in range(0, n_rows, self.batch_size)]

    def replace(self, **changes) -> TrainPlan:
        return TrainPlan(**{**asdict(self), **changes})

    def to_dict(self) -> dict:
        return {**asdict(self), "snapshot_epochs": list(self.snapshot_epochs)}


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
