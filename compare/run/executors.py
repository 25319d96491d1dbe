"""Executors for grids of independent tasks (sweep cells, and later a course's submissions).

Every task runner takes any ``concurrent.futures.Executor``. :func:`default_executor`
gives the local choice: :class:`InlineExecutor` for one job (each task runs in the
calling process when it is submitted: deterministic, debuggable, monkeypatchable
in tests), else a ``ProcessPoolExecutor`` whose workers use one torch thread each
(the matrices are tiny, and two processes on two cores must not fight over threads).
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor


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
    # Runs in each worker process as it starts: torch is imported there anyway by the first task.
    import torch
    torch.set_num_threads(1)


def worker_count(jobs: int | None) -> int:
    """``jobs``, or one worker per core."""
    return jobs or os.cpu_count() or 1


def default_executor(jobs: int | None) -> Executor:
    """:class:`InlineExecutor` for one job, else a process pool of ``worker_count(jobs)`` workers."""
    jobs = worker_count(jobs)
    if jobs == 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=jobs, initializer=_one_torch_thread)
