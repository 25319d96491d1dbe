"""Local worker processes that never outlive the process that started them.

A plain ``ProcessPoolExecutor`` leaves its workers behind when its owner dies without
shutting it down (``kill PID``, SIGKILL, a crash): they sleep forever on their task
queue, holding the owner's stdout and stderr, so a caller that captures the output
waits for ever. And on Ctrl-C the terminal sends SIGINT to every process of the group:
idle workers print a ``KeyboardInterrupt`` traceback each and the pool breaks.

:class:`LocalPool` closes both holes:

* each worker asks the kernel to kill it when its parent dies (Linux
  ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere a daemon thread watches the parent
  id), and checks that the parent has not already gone before it did so;
* workers ignore SIGINT (the owner decides what Ctrl-C means) and take SIGTERM's
  default action; SIGINT and SIGTERM are blocked in the owner while it starts workers,
  so no worker can receive one before its handlers are in place, even while it is
  still importing torch;
* :meth:`LocalPool.abort` kills the workers at once; ``compare.trajectory.sweep``
  calls it when a run is interrupted, so Ctrl-C never waits for a group to finish.

Each worker also runs with one torch thread (the tasks wrap themselves in
``compare.run.threads.one_thread`` for BLAS too).
"""

from __future__ import annotations

import contextlib
import os
import signal
from concurrent.futures import ProcessPoolExecutor

from compare.run.hooks import pause_point
from compare.system.lifetime import alive, die_with_parent

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _stop_signals_blocked():
    """Hold SIGINT and SIGTERM back in this thread (POSIX); a signal that arrives meanwhile is delivered after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(owner: int) -> None:
    """Initializer of every worker: signals, death with the parent, one torch thread."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the owner's handler, inherited through fork
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by the owner around the start
    # The parent is the owner, or a fork server that itself ends with the owner.
    if not die_with_parent() or not alive(owner):
        os._exit(1)  # the owner died before the guard was armed
    pause_point("worker-importing-torch")
    import torch  # heavy: each worker needs it for its tasks (a no-op where the worker was forked)

    torch.set_num_threads(1)


class LocalPool(ProcessPoolExecutor):
    """A process pool whose workers die with their owner, ignore Ctrl-C, and can be killed at once.

    ``workers``: the number of worker processes (what a task runner cuts its work for).
    """

    def __init__(self, workers: int, mp_context=None):
        super().__init__(max_workers=workers, mp_context=mp_context, initializer=_start_worker,
                         initargs=(os.getpid(),))
        self.workers = workers

    def submit(self, fn, /, *args, **kwargs):
        # submit() is where the pool starts its workers: keep SIGINT/SIGTERM pending until they are started
        # (they inherit the blocked mask and unblock it once their own handlers are set).
        with _stop_signals_blocked():
            return super().submit(fn, *args, **kwargs)

    def abort(self) -> None:
        """Kill every worker now and cancel what is left (for an interrupted run)."""
        if hasattr(ProcessPoolExecutor, "kill_workers"):  # Python >= 3.14
            ProcessPoolExecutor.kill_workers(self)
        else:  # the same, on the pool's own table of processes (no public way before 3.14)
            for process in list((self._processes or {}).values()):
                with contextlib.suppress(OSError, ValueError):
                    process.kill()
        self.shutdown(wait=True, cancel_futures=True)
