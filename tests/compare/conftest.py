"""One Dask ``LocalCluster`` per test session, on loopback only, shared by the tests that need a cluster.

Two worker processes with one thread each (a 2-core machine: the same parallelism as
``--jobs 2``); every port, the scheduler's HTTP one included, on 127.0.0.1 and chosen
by the OS, so no test needs the network and two test sessions (or pytest-xdist
workers) never fight over the default 8787. Started on first use (about 3 s), closed
at the end of the session.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def dask_scheduler():
    """The address (``tcp://127.0.0.1:PORT``) of a running 2-worker LocalCluster."""
    from distributed import LocalCluster  # heavy: only sessions that run a cluster test pay for it

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", protocol="tcp",
                           dashboard_address="127.0.0.1:0")
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()
