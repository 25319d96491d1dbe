"""Grids of training-trajectory comparisons, run on a ``concurrent.futures`` executor.

A grid is the product activations x learning rates x initialisers x seeds x
optimizers x dtypes; every cell is one :func:`compare.trajectory.compare_training`
(both implementations trained from the same weights on the same batches,
compared epoch by epoch, re-synchronised where they part). Each cell returns one
flat row (see ``TrajectoryComparison.summary_row``) plus its wall time.

The executor is pluggable: ``run_sweep(..., executor=...)`` takes any
``concurrent.futures.Executor``; by default a ``ProcessPoolExecutor`` with
``jobs`` workers (each limited to one torch thread, since the matrices are tiny
and two processes on two cores must not fight over threads), or, with
``jobs=1``, :class:`InlineExecutor`, which runs each cell in the calling process
when it is submitted (deterministic, debuggable, monkeypatchable in tests).
Rows come back in grid order whatever order the cells finish in.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

import numpy as np

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
    "resync_worst_name", "mismatch_epoch", "mismatch_name", "seconds", "reason",
)


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
    return row


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
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=_one_torch_thread)


@dataclass
class SweepResult:
    rows: list[dict]
    seconds: float
    jobs: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def summary(self) -> dict:
        return summarize_rows(self.rows)

    def to_dict(self) -> dict:
        return {"summary": {**self.summary, "seconds": self.seconds, "jobs": self.jobs}, "cells": self.rows,
                **self.extra}


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
              progress: bool | None = None) -> SweepResult:
    """Run every cell; ``executor`` overrides ``jobs`` (and is not shut down here)."""
    validate(cells, setup)
    start = time.perf_counter()
    own = executor is None
    pool = default_executor(jobs) if own else executor
    rows: list[dict | None] = [None] * len(cells)
    try:
        with Progress(len(cells), "sweep", enabled=progress) as bar:

            def collect(index: int, future: Future) -> None:
                row = rows[index] = future.result()
                bar.update(note=f"{row['activation']} lr={row['lr']:g} {row['init']}: {row['status']}")

            if isinstance(pool, InlineExecutor):  # runs at submit: submit one at a time so the bar moves
                for i, cell in enumerate(cells):
                    collect(i, pool.submit(run_cell, cell, setup))
            else:
                futures = {pool.submit(run_cell, cell, setup): i for i, cell in enumerate(cells)}
                for future in as_completed(futures):
                    collect(futures[future], future)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
    return SweepResult(rows=rows, seconds=time.perf_counter() - start, jobs=jobs)


def rows_to_csv(rows: list[dict]) -> str:
    """The rows as CSV text (columns ``CSV_COLUMNS``; None as empty, floats repr'd exactly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return buffer.getvalue()


def cell_dict(cell: Cell) -> dict:
    return asdict(cell)
