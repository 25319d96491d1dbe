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
(``handmade.fast.batched.train_batched`` and ``torch_ref.batched.train_torch_batched``,
shown equal to K separate runs by tests/handmade/fast/test_batched.py). Every member's two
Histories are then compared exactly as a single cell's
(``compare.trajectory.compare_histories``), and a member whose runs part is
re-synchronised as before, by replaying its own separate handmade run
(``compare.trajectory.resync.settle_parting``). ``batched=False`` (``--no-batch``)
trains every cell on its own.

The executor is pluggable: ``run_sweep(..., executor=...)`` takes any
``concurrent.futures.Executor``; by default ``compare.run.executors.make_executor``
chooses: with ``jobs=1`` the calling process (deterministic, debuggable,
monkeypatchable in tests), else local worker processes that die with this one, or,
with ``scheduler="tcp://HOST:PORT"``, the workers of a Dask cluster. Every task runs
with one BLAS and one torch thread (``compare.run.threads``). The unit of work is a
group (a single cell when unbatched); rows come back in grid order whatever order
the groups finish in, and the progress bar counts cells. A member's row is the same
in a group of any size, so the rows are the same bits on every executor and for any
number of workers; only ``seconds`` and the description of where it ran differ.
"""

from __future__ import annotations

import contextlib
import math
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass

from compare.present.progress import progress_bar
from compare.run.executors import capacity, describe, make_executor, run_all, running
from compare.run.threads import call_in_one_thread
from compare.trajectory.grid import MAX_GROUP, Cell, SweepSetup, group_cells, summarize_rows, validate
from compare.trajectory.resync import settle_parting
from compare.trajectory.training import compare_training
from compare.trajectory.verdict import compare_histories
from handmade.contract.spec import check_data
from handmade.fast.batched import BatchedMLP, train_batched
from torch_ref.batched import BatchedTorchMLP, train_torch_batched


def _row(comparison, setup: SweepSetup, seconds: float, group_size: int) -> dict:
    """A cell's row: ``summary_row`` plus its time, its group's size and, with ``setup.curves``, its curves."""
    row = comparison.summary_row()
    row["seconds"] = seconds
    row["group_size"] = group_size
    if setup.curves:  # both sides' loss per epoch and |L_h - L_t|, as the harness computed them
        row["curves"] = {"handmade": comparison.loss_handmade, "torch": comparison.loss_torch,
                         "abs_diff": comparison.abs_diff}
    return row


def run_cell(cell: Cell, setup: SweepSetup) -> dict:
    """One cell trained on its own (``--no-batch``): both trainings, the comparison, any re-synchronisation."""
    start = time.perf_counter()
    comparison = compare_training(setup.spec(cell), setup.X, setup.Y, setup.plan(cell), resync=setup.resync)
    return _row(comparison, setup, time.perf_counter() - start, 1)


def run_group(cells: list[Cell], setup: SweepSetup) -> list[dict]:
    """One group: K stacked networks trained once per side, then each member compared as a cell.

    A member's row is what ``run_cell`` gives for it (to the float64 tolerance of
    batched vs separate training), with ``seconds`` = its share of the batched
    training plus its own comparison and re-synchronisation. A member computes the
    same bits in a group of any size, one included (each member's products are its
    own matmuls), so a sweep's rows do not depend on how its groups were cut, hence
    not on the number of workers either.
    """
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
        rows.append(_row(comparison, setup, share + time.perf_counter() - begin, len(cells)))
    return rows


@dataclass
class SweepResult:
    rows: list[dict]
    seconds: float
    jobs: int | None = None
    batched: bool = False
    groups: int | None = None
    executor: dict | None = None

    @property
    def summary(self) -> dict:
        return summarize_rows(self.rows)

    def to_dict(self) -> dict:
        return {"summary": {**self.summary, "seconds": self.seconds, "jobs": self.jobs, "batched": self.batched,
                            "groups": self.groups},
                "executor": self.executor, "cells": self.rows}


def run_sweep(cells: list[Cell], setup: SweepSetup, jobs: int | None = None, executor: Executor | None = None,
              progress: bool | None = None, batched: bool = True, scheduler: str | None = None) -> SweepResult:
    """Run every cell, in batched groups unless ``batched=False``.

    Where: ``executor`` (any ``concurrent.futures.Executor``, not shut down here), else
    ``compare.run.executors.make_executor(jobs, scheduler)``: local processes, or the
    Dask cluster at ``scheduler``. An executor made here is shut down at the end, and
    aborted (workers killed, tasks cancelled) if the run is interrupted. Every task runs
    with one BLAS and one torch thread, so the rows are the same bits on any executor.
    Groups are cut to at most ``ceil(cells / capacity)`` members so that no worker
    stays idle for want of a group.
    """
    validate(cells, setup)
    start = time.perf_counter()
    own = executor is None
    pool = make_executor(jobs, scheduler) if own else executor
    if batched:
        groups = group_cells(cells, setup, min(MAX_GROUP, math.ceil(len(cells) / capacity(pool))))
        task = run_group
    else:
        groups = [[i] for i in range(len(cells))]
        task = _run_one
    rows: list[dict | None] = [None] * len(cells)
    with running(pool) if own else contextlib.nullcontext(pool), \
            progress_bar(len(cells), "sweep", enabled=progress) as bar:

        def collect(members: list[int], future: Future) -> None:
            for index, row in zip(members, future.result()):
                rows[index] = row
            last = rows[members[-1]]
            bar.update(len(members))
            bar.set_postfix_str(f"{last['activation']} lr={last['lr']:g} {last['optimizer']}: "
                                f"{sum(rows[i]['matched'] for i in members)}/{len(members)} match")

        def submit(members: list[int]) -> Future:
            return pool.submit(call_in_one_thread, task, [cells[i] for i in members], setup)

        run_all(pool, groups, submit, collect)
    return SweepResult(rows=rows, seconds=time.perf_counter() - start, jobs=jobs, batched=batched,
                       groups=len(groups), executor=describe(pool))


def _run_one(cells: list[Cell], setup: SweepSetup) -> list[dict]:
    """The task of an unbatched sweep: a group of one cell, trained on its own."""
    return [run_cell(cell, setup) for cell in cells]
