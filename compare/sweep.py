"""Grids of training-trajectory comparisons, run on a ``concurrent.futures`` executor.

A grid is the product activations x learning rates x initialisers x seeds x
optimizers x dtypes; every cell is one :func:`compare.trajectory.compare_training`
(both implementations trained from the same weights on the same batches,
compared epoch by epoch, re-synchronised where they part). Each cell returns one
flat row (see ``TrajectoryComparison.summary_row``) plus its wall time.

Batching (the default): cells that share everything but their initial
parameters - same activation, learning rate, optimizer, dtype, and the same
batch order (in full batch the seed does not touch the batch order, so every
seed and initialiser of one (activation, lr, optimizer, dtype) is one group; with
mini-batches the seed draws the order, so a group holds the initialisers of one
seed) - form a *group*, trained as K stacked networks on each side
(``handmade.batched.train_batched`` and ``torch_ref.batched.train_torch_batched``,
shown equal to K separate runs by tests/test_batched.py). Every member's two
Histories are then compared exactly as a single cell's
(``compare.trajectory.compare_histories``), and a member whose runs part is
re-synchronised as before, by replaying its own separate handmade run
(``compare.resync.settle_parting``). ``batched=False`` (``--no-batch``)
trains every cell on its own.

The executor is pluggable: ``run_sweep(..., executor=...)`` takes any
``concurrent.futures.Executor``; by default a ``ProcessPoolExecutor`` with
``jobs`` workers (each limited to one torch thread, since the matrices are tiny
and two processes on two cores must not fight over threads), or, with
``jobs=1``, :class:`InlineExecutor`, which runs each cell in the calling process
when it is submitted (deterministic, debuggable, monkeypatchable in tests).
The unit of work is a group (a single cell when unbatched); rows come back in
grid order whatever order the groups finish in, and the progress bar counts cells.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from handmade.batched import BATCHED_LOSSES  # the losses handmade.batched implements; others go cell by cell
from handmade.spec import MLPSpec, check_data
from handmade.train import TrainPlan

from .progress import Progress

DEFAULT_ACTIVATIONS = ("relu", "leaky_relu", "sigmoid", "tanh")
DEFAULT_LRS = (0.001, 0.01, 0.1, 0.5, 1.0)
DEFAULT_INITS = ("torch_default", "xavier_uniform", "kaiming_normal", "lecun_normal")

# Columns of the CSV file, in order (the JSON rows carry the same keys).
CSV_COLUMNS = (
    "activation", "lr", "init", "seed", "optimizer", "dtype", "batch_size", "epochs", "status", "matched",
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

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.X.shape[1], *self.hidden, self.Y.shape[1])

    def spec(self, cell: Cell) -> MLPSpec:
        return MLPSpec(sizes=self.sizes, activation=cell.activation, output_activation=self.output_activation,
                       loss=self.loss, init=cell.init, seed=cell.seed, dtype=cell.dtype)

    def plan(self, cell: Cell) -> TrainPlan:
        return TrainPlan(optimizer=cell.optimizer, lr=cell.lr, epochs=self.epochs, batch_size=self.batch_size,
                         seed=cell.seed)

    def group_key(self, cell: Cell) -> tuple:
        """Cells with equal keys train as one batched group: everything but init and seed, and the batch order.

        The seed stays in the key only with mini-batches, where it draws the
        batch order; in full batch every epoch is all rows in their given order.
        """
        order_seed = cell.seed if self.batch_size is not None else None
        return cell.activation, cell.lr, cell.optimizer, cell.dtype, order_seed


def make_grid(activations=DEFAULT_ACTIVATIONS, lrs=DEFAULT_LRS, inits=DEFAULT_INITS, seeds=(0,),
              optimizers=("sgd",), dtypes=("float64",)) -> list[Cell]:
    """Every combination, in a fixed order (dtype, optimizer, activation, lr, init, seed)."""
    return [Cell(act, float(lr), init, int(seed), opt, dtype)
            for dtype, opt, act, lr, init, seed in itertools.product(dtypes, optimizers, activations, lrs, inits,
                                                                      seeds)]


def validate(cells: list[Cell], setup: SweepSetup) -> None:
    """Raise InvalidInput for anything wrong before a single worker starts."""
    check_data(setup.X, setup.Y)
    for cell in cells:
        setup.spec(cell)
        setup.plan(cell).check_rows(len(setup.X))


def run_cell(cell: Cell, setup: SweepSetup) -> dict:
    """One cell: both trainings, the comparison and (if needed) the re-synchronisation, as a row."""
    from .trajectory import compare_training

    start = time.perf_counter()
    comparison = compare_training(setup.spec(cell), setup.X, setup.Y, setup.plan(cell), resync=setup.resync)
    row = comparison.summary_row()
    row["seconds"] = time.perf_counter() - start
    row["group_size"] = 1
    return row


def group_cells(cells: list[Cell], setup: SweepSetup, max_members: int = MAX_GROUP) -> list[list[int]]:
    """Indices of ``cells`` in batched groups (see ``SweepSetup.group_key``), each at most ``max_members``.

    Groups appear in the order of their first cell, members in grid order; a
    group too large is cut into near-equal consecutive pieces.
    """
    if setup.loss not in BATCHED_LOSSES:
        return [[i] for i in range(len(cells))]
    by_key: dict[tuple, list[int]] = {}
    for i, cell in enumerate(cells):
        by_key.setdefault(setup.group_key(cell), []).append(i)
    groups = []
    for members in by_key.values():
        pieces = math.ceil(len(members) / max(1, max_members))
        size = math.ceil(len(members) / pieces)
        groups.extend(members[i:i + size] for i in range(0, len(members), size))
    return groups


def run_group(cells: list[Cell], setup: SweepSetup) -> list[dict]:
    """One group: K stacked networks trained once per side, then each member compared as a cell.

    A member's row is what ``run_cell`` gives for it (to the float64 tolerance of
    batched vs separate training), with ``seconds`` = its share of the batched
    training plus its own comparison and re-synchronisation.
    """
    if len(cells) == 1:
        return [run_cell(cells[0], setup)]
    from handmade.batched import BatchedMLP, train_batched
    from torch_ref.batched import BatchedTorchMLP, train_torch_batched

    from .resync import settle_parting
    from .trajectory import compare_histories

    start = time.perf_counter()
    specs = [setup.spec(cell) for cell in cells]
    params = [spec.init_params() for spec in specs]  # stacked as copies: kept pristine for re-synchronisation
    plan = setup.plan(cells[0])  # the members' plans differ at most in a seed the batch order ignores
    X, Y = check_data(setup.X, setup.Y, specs[0].sizes, specs[0].dtype)
    handmade = train_batched(BatchedMLP(specs, params), X, Y, plan)
    reference = train_torch_batched(BatchedTorchMLP(specs, params), X, Y, plan)
    share = (time.perf_counter() - start) / len(cells)
    rows = []
    for cell, spec, member_params, mine, theirs in zip(cells, specs, params, handmade, reference):
        begin = time.perf_counter()
        comparison = settle_parting(compare_histories(spec, setup.plan(cell), mine, theirs), X, Y, member_params,
                                    setup.resync)
        row = comparison.summary_row()
        row["seconds"] = share + time.perf_counter() - begin
        row["group_size"] = len(cells)
        rows.append(row)
    return rows


class InlineExecutor(Executor):
    """An executor that runs each task in the caller, at submit time (``--jobs 1``)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through future.result(), like a pool would
            if isinstance(exc, KeyboardInterrupt):
                raise
            future.set_exception(exc)
        return future


def _one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


def default_executor(jobs: int | None) -> Executor:
    jobs = _workers(jobs)
    if jobs == 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=_one_torch_thread)


def _workers(jobs: int | None) -> int:
    return jobs or os.cpu_count() or 1


@dataclass
class SweepResult:
    rows: list[dict]
    seconds: float
    jobs: int | None = None
    batched: bool = False
    groups: int | None = None

    @property
    def summary(self) -> dict:
        return summarize_rows(self.rows)

    def to_dict(self) -> dict:
        return {"summary": {**self.summary, "seconds": self.seconds, "jobs": self.jobs, "batched": self.batched,
                            "groups": self.groups},
                "cells": self.rows}


def summarize_rows(rows: list[dict]) -> dict:
    """``checks`` = cells, ``failed`` = cells that are not a match, ``worst_rel_diff`` (see below).

    ``worst_rel_diff`` is the largest difference among comparisons expected to
    match: the per-epoch loss difference of matching trajectories, and the
    re-synchronised single steps of sensitive cells (``checked_rel_diff``).
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


def run_sweep(cells: list[Cell], setup: SweepSetup, jobs: int | None = None, executor: Executor | None = None,
              progress: bool | None = None, batched: bool = True) -> SweepResult:
    """Run every cell, in batched groups unless ``batched=False``; ``executor`` overrides ``jobs``.

    A given ``executor`` is not shut down here. Groups are cut to at most
    ``ceil(cells / workers)`` members so that no worker stays idle for want of
    a group (workers: ``jobs``, or the executor's ``_max_workers`` if it has one).
    """
    validate(cells, setup)
    start = time.perf_counter()
    own = executor is None
    pool = default_executor(jobs) if own else executor
    if batched:
        workers = 1 if isinstance(pool, InlineExecutor) else getattr(pool, "_max_workers", None) or _workers(jobs)
        groups = group_cells(cells, setup, min(MAX_GROUP, math.ceil(len(cells) / workers)))
    else:
        groups = [[i] for i in range(len(cells))]
    rows: list[dict | None] = [None] * len(cells)
    try:
        with Progress(len(cells), "sweep", enabled=progress) as bar:

            def collect(members: list[int], future: Future) -> None:
                for index, row in zip(members, future.result()):
                    rows[index] = row
                last = rows[members[-1]]
                bar.update(len(members), note=f"{last['activation']} lr={last['lr']:g} {last['optimizer']}: "
                                              f"{sum(rows[i]['matched'] for i in members)}/{len(members)} match")

            def submit(members: list[int]) -> Future:  # a single-cell group is run_cell (see run_group)
                return pool.submit(run_group, [cells[i] for i in members], setup)

            if isinstance(pool, InlineExecutor):  # runs at submit: submit one at a time so the bar moves
                for members in groups:
                    collect(members, submit(members))
            else:
                futures = {submit(members): members for members in groups}
                for future in as_completed(futures):
                    collect(futures[future], future)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    return SweepResult(rows=rows, seconds=time.perf_counter() - start, jobs=jobs, batched=batched,
                       groups=len(groups))


def rows_to_csv(rows: list[dict]) -> str:
    """The rows as CSV text (columns ``CSV_COLUMNS``; None as empty, floats repr'd exactly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return buffer.getvalue()
