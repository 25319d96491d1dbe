"""The grid of a sweep: its cells, what they share, how they form batched groups, and its rows as CSV.

A grid is the product activations x learning rates x initialisers x seeds x
optimizers x dtypes (:func:`make_grid`); every cell becomes one flat row (see
``TrajectoryComparison.summary_row``). Cells that share everything but their
initial parameters form a *group* trained as K stacked networks
(:func:`group_cells`, ``SweepSetup.group_key``). Import-light (no torch): the CLI
reads the defaults from here.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from compare.present.tables import csv_text
from handmade.contract.plan import TrainPlan
from handmade.contract.spec import MLPSpec, check_data

DEFAULT_ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh")
DEFAULT_LRS = (0.001, 0.01, 0.1, 0.5, 1.0)
DEFAULT_INITS = ("torch_default", "xavier_uniform", "kaiming_normal", "lecun_normal")

# Columns of the CSV file, in order (the JSON rows carry the same keys).
CSV_COLUMNS = (
    "activation", "lr", "init", "seed", "optimizer", "dtype", "loss", "batch_size", "epochs", "status", "matched",
    "checked_rel_diff", "worst_rel_diff", "worst_epoch", "first_over", "tolerance", "handmade_diverged_at",
    "torch_diverged_at", "epochs_handmade", "epochs_torch", "final_loss_handmade", "final_loss_torch",
    "param_rel_diff", "param_distance", "growth_factor", "growth", "resync_epochs", "resync_worst_rel_diff",
    "resync_worst_name", "resync_spread_steps", "resync_worst_spread", "resync_worst_spread_ratio", "mismatch_epoch",
    "mismatch_name", "seconds", "group_size", "reason",
)

# Largest group trained as one stack; a bigger group is cut into pieces (also cut so that
# every worker gets work: a single group of 100 seeds on two workers runs as two of 50).
MAX_GROUP = 64


@dataclass(frozen=True)
class Cell:
    """One point of the grid."""

    activation: str
    lr: float
    init: str
    seed: int
    optimizer: str
    dtype: str
    loss: str | None = None   # None: the setup's loss


@dataclass(frozen=True)
class SweepSetup:
    """What every cell shares: the data, the network shape, the loss and the plan's other fields."""

    X: np.ndarray
    Y: np.ndarray
    hidden: tuple[int, ...] = (16,)
    loss: str = "mse"
    output_activation: str = "identity"
    epochs: int = 1000
    batch_size: int | None = None
    resync: bool = True
    curves: bool = False  # keep every cell's per-epoch losses (both sides) and their difference in its row

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.X.shape[1], *self.hidden, self.Y.shape[1])

    def spec(self, cell: Cell) -> MLPSpec:
        return MLPSpec(sizes=self.sizes, activation=cell.activation, output_activation=self.output_activation,
                       loss=cell.loss or self.loss, init=cell.init, seed=cell.seed, dtype=cell.dtype)

    def plan(self, cell: Cell) -> TrainPlan:
        return TrainPlan(optimizer=cell.optimizer, lr=cell.lr, epochs=self.epochs, batch_size=self.batch_size,
                         seed=cell.seed)

    def group_key(self, cell: Cell) -> tuple:
        """Cells with equal keys train as one batched group: everything but init and seed, and the batch order.

        The seed stays in the key only with mini-batches, where it draws the
        batch order; in full batch every epoch is all rows in their given order.
        """
        order_seed = cell.seed if self.batch_size is not None else None
        return cell.activation, cell.lr, cell.optimizer, cell.dtype, cell.loss or self.loss, order_seed


def make_grid(activations=DEFAULT_ACTIVATIONS, lrs=DEFAULT_LRS, inits=DEFAULT_INITS, seeds=(0,),  # noqa: PLR0913 - one per axis
              optimizers=("sgd",), dtypes=("float64",), losses=(None,)) -> list[Cell]:
    """Every combination, in a fixed order (dtype, optimizer, loss, activation, lr, init, seed); a loss of
    None is the setup's."""
    return [Cell(act, float(lr), init, int(seed), opt, dtype, loss)
            for dtype, opt, loss, act, lr, init, seed in itertools.product(dtypes, optimizers, losses, activations,
                                                                            lrs, inits, seeds)]


def validate(cells: list[Cell], setup: SweepSetup) -> None:
    """Raise InvalidInput for anything wrong before a single worker starts."""
    check_data(setup.X, setup.Y)
    for cell in cells:
        setup.spec(cell)
        setup.plan(cell).check_rows(len(setup.X))


def group_cells(cells: list[Cell], setup: SweepSetup, max_members: int = MAX_GROUP) -> list[list[int]]:
    """Indices of ``cells`` in batched groups (see ``SweepSetup.group_key``), each at most ``max_members``.

    Groups appear in the order of their first cell, members in grid order; a
    group too large is cut into near-equal consecutive pieces.
    """
    by_key: dict[tuple, list[int]] = {}
    for i, cell in enumerate(cells):
        by_key.setdefault(setup.group_key(cell), []).append(i)
    groups = []
    for members in by_key.values():
        pieces = math.ceil(len(members) / max(1, max_members))
        size = math.ceil(len(members) / pieces)
        groups.extend(members[i:i + size] for i in range(0, len(members), size))
    return groups


def summarize_rows(rows: list[dict]) -> dict:
    """``checks`` = cells, ``failed`` = cells that are not a match, ``worst_rel_diff`` (see below).

    ``worst_rel_diff`` is the largest difference among comparisons expected to
    match: the per-epoch loss difference of trajectories that never part, and
    every re-synchronised single step (``checked_rel_diff``).
    ``worst_trajectory_rel_diff`` is the largest whole-run difference of any
    cell, shown for information (sensitive cells part by design).
    """
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    finite = [r["worst_rel_diff"] for r in rows if math.isfinite(r["worst_rel_diff"])]
    return {
        "checks": len(rows),
        "failed": sum(not r["matched"] for r in rows),
        "worst_rel_diff": max((r["checked_rel_diff"] for r in rows), default=0.0),
        "worst_trajectory_rel_diff": max(finite, default=0.0),
        "statuses": statuses,
    }


def rows_to_csv(rows: list[dict]) -> str:
    """The rows as CSV text (columns ``CSV_COLUMNS``; None as empty, floats repr'd exactly)."""
    return csv_text(rows, CSV_COLUMNS)
