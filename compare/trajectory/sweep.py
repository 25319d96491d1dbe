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
``concurrent.futures.Executor``; by default a ``ProcessPoolExecutor`` with
``jobs`` workers (each limited to one torch thread, since the matrices are tiny
and two processes on two cores must not fight over threads), or, with
``jobs=1``, :class:`InlineExecutor`, which runs each cell in the calling process
when it is submitted (deterministic, debuggable, monkeypatchable in tests).
The unit of work is a group (a single cell when unbatched); rows come back in
grid order whatever order the groups finish in, and the progress bar counts cells.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass

from compare.present.progress import progress_bar
from compare.run.executors import InlineExecutor, default_executor, worker_count
from compare.trajectory.grid import MAX_GROUP, Cell, SweepSetup, group_cells, summarize_rows, validate
from compare.trajectory.resync import settle_parting
from compare.trajectory.training import compare_training
from compare.trajectory.verdict import compare_histories
from handmade.contract.spec import check_data
from handmade.fast.batched import BatchedMLP, train_batched
from torch_ref.batched import BatchedTorchMLP, train_torch_batched


def run_cell(cell: Cell, setup: SweepSetup) -> dict:
    """One cell: both trainings, the comparison and (if needed) the re-synchronisation, as a row."""
    start = time.perf_counter()
    comparison = compare_training(setup.spec(cell), setup.X, setup.Y, setup.plan(cell), resync=setup.resync)
    row = comparison.summary_row()
    row["seconds"] = time.perf_counter() - start
    row["group_size"] = 1
    return row


def run_group(cells: list[Cell], setup: SweepSetup) -> list[dict]:
    """One group: K stacked networks trained once per side, then each member compared as a cell.

    A member's row is what ``run_cell`` gives for it (to the float64 tolerance of
    batched vs separate training), with ``seconds`` = its share of the batched
    training plus its own comparison and re-synchronisation.
    """
    if len(cells) == 1:
        return [run_cell(cells[0], setup)]
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
        workers = 1 if isinstance(pool, InlineExecutor) else getattr(pool, "_max_workers", None) or worker_count(jobs)
        groups = group_cells(cells, setup, min(MAX_GROUP, math.ceil(len(cells) / workers)))
    else:
        groups = [[i] for i in range(len(cells))]
    rows: list[dict | None] = [None] * len(cells)
    try:
        with progress_bar(len(cells), "sweep", enabled=progress) as bar:

            def collect(members: list[int], future: Future) -> None:
                for index, row in zip(members, future.result()):
                    rows[index] = row
                last = rows[members[-1]]
                bar.update(len(members))
                bar.set_postfix_str(f"{last['activation']} lr={last['lr']:g} {last['optimizer']}: "
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
