"""Where the tasks of a grid run (sweep cells, and a course's submissions): one seam, three engines.

Every task runner takes any ``concurrent.futures.Executor``; :func:`make_executor`
gives the standard ones:

* ``jobs=1``: :class:`InlineExecutor`, each task in the calling process when it is
  submitted (deterministic, debuggable, monkeypatchable in tests);
* otherwise local worker processes, ``compare.run.local.LocalPool`` (one per core by
  default; they die with their owner and ignore Ctrl-C, which the owner handles);
* ``scheduler="tcp://HOST:PORT"``: the workers of a Dask distributed cluster,
  ``compare.run.cluster.DaskExecutor`` (the optional ``[dask]`` extra).

Whoever creates an executor shuts it down, in a ``with running(executor)`` block: after
it finished, waiting for the tasks; after an interruption or an error, at once
(:func:`abort`: nobody will read the results of the running tasks). :func:`capacity` says how many tasks run at once,
so that a runner can cut its work into at least that many pieces. Results do not depend
on the engine if each task runs inside ``compare.run.threads.one_thread`` (one BLAS and
one torch thread, as ``compare.trajectory.sweep`` does).
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Executor, Future, as_completed
from urllib.parse import urlsplit

from compare.run.cluster import DaskExecutor
from compare.run.local import LocalPool
from handmade.contract.errors import InvalidInput


class InlineExecutor(Executor):
    """An executor that runs each task in the caller, at submit time (``--jobs 1``)."""

    workers = 1

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through future.result(), like a pool would
            if isinstance(exc, KeyboardInterrupt):
                raise
            future.set_exception(exc)
        return future


def run_all(pool: Executor, keys, submit, collect) -> None:
    """``collect(key, submit(key))`` for every key, as the tasks finish; on an :class:`InlineExecutor`, which
    runs a task when it is submitted, one at a time (so a progress bar moves)."""
    if isinstance(pool, InlineExecutor):
        for key in keys:
            collect(key, submit(key))
        return
    futures = {submit(key): key for key in keys}
    for future in as_completed(futures):
        collect(futures[future], future)


def worker_count(jobs: int | None) -> int:
    """``jobs``, or one worker per core."""
    return jobs or os.cpu_count() or 1


def default_executor(jobs: int | None) -> Executor:
    """:class:`InlineExecutor` for one job, else a :class:`LocalPool` of ``worker_count(jobs)`` processes."""
    jobs = worker_count(jobs)
    return InlineExecutor() if jobs == 1 else LocalPool(jobs)


def make_executor(jobs: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for ``jobs`` local processes (None: one per core), or for a Dask ``scheduler`` address.

    Raises InvalidInput for both at once, for a malformed address, when the ``[dask]``
    extra is missing, and when the scheduler cannot be reached or has no worker.
    """
    if scheduler is None:
        return default_executor(jobs)
    check_scheduler_address(scheduler)
    if jobs is not None:
        raise InvalidInput("give either a number of local jobs or a Dask scheduler, not both "
                           "(the cluster's workers decide how many tasks run at once)")
    return DaskExecutor(scheduler)


SCHEDULER_SCHEMES = ("tcp", "tls")


def check_scheduler_address(address: str) -> str:
    """``address`` if it reads ``tcp://HOST:PORT`` or ``tls://HOST:PORT`` (IPv6 hosts in brackets)."""
    try:
        parts = urlsplit(address)
        valid = (parts.scheme in SCHEDULER_SCHEMES and bool(parts.hostname) and parts.port is not None
                 and parts.path in ("", "/") and not parts.query and not parts.fragment)
    except ValueError:  # a port that is not a number or out of range
        valid = False
    if not valid:
        raise InvalidInput(f"{address!r} is not a Dask scheduler address; write tcp://HOST:PORT (or tls://HOST:PORT "
                           "with Dask's TLS settings), e.g. tcp://10.0.0.5:8786")
    return address


def capacity(executor: Executor) -> int:
    """How many tasks ``executor`` runs at once (1 if it does not say)."""
    workers = getattr(executor, "workers", None)
    if workers is None:  # a plain concurrent.futures pool
        workers = getattr(executor, "_max_workers", None)
    return max(1, int(workers or 1))


def describe(executor: Executor) -> dict:
    """Where tasks ran, for a result file: ``kind`` (inline, local processes, dask or the class), workers, scheduler."""
    if isinstance(executor, InlineExecutor):
        kind = "inline"
    elif isinstance(executor, LocalPool):
        kind = "local processes"
    else:
        kind = "dask" if isinstance(executor, DaskExecutor) else type(executor).__name__
    return {"kind": kind, "workers": capacity(executor), "scheduler": getattr(executor, "address", None)}


def abort(executor: Executor) -> None:
    """Stop ``executor`` now: kill local workers, cancel queued and running tasks where possible."""
    stop = getattr(executor, "abort", None)
    if stop is not None:
        stop()
    else:
        executor.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def running(executor: Executor):
    """Own ``executor`` for a block: shut it down waiting when the block ends, abort it when it raises
    (Ctrl-C, SIGTERM, an error), so that no worker outlives a run nobody will read."""
    try:
        yield executor
    except BaseException:
        abort(executor)
        raise
    executor.shutdown(wait=True)
