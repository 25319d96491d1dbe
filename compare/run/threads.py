"""One BLAS thread and one torch thread per task, wherever the task runs.

The networks of a sweep are tiny: a second thread per task buys nothing and, with one
task per core, makes the tasks fight over the cores. It also changes results: a sum
split over two threads rounds differently. Every executor of ``compare.run`` therefore
runs each task inside :func:`one_thread`, so that a cell computes the same bits in this
process, in a local worker and on a Dask worker.
"""

from __future__ import annotations

import contextlib

from threadpoolctl import threadpool_limits

from compare.run.hooks import pause_point


@contextlib.contextmanager
def one_thread():
    """BLAS (via threadpoolctl) and torch's intra-op pool limited to one thread inside; restored after."""
    import torch  # heavy: only processes that run a task pay for it

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def call_in_one_thread(fn, /, *args, **kwargs):
    """``fn(*args, **kwargs)`` inside :func:`one_thread`: the function every executor really submits."""
    pause_point("task-started")
    with one_thread():
        return fn(*args, **kwargs)
