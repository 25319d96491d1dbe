"""A Dask distributed cluster as a ``concurrent.futures.Executor`` (the optional ``[dask]`` extra).

``DaskExecutor("tcp://HOST:PORT")`` connects a client to a running scheduler (``dask
scheduler``, with ``dask worker`` processes on any machines that have this project
installed at the same version), waits for at least one worker, checks that every
worker runs the same mlp-parity version as this process, and then submits each task
as an impure Dask task (never de-duplicated by its arguments: a task is run as often as
it is submitted). A ``tls://`` address uses the TLS settings of Dask's configuration
(``distributed.comm.tls.*``). Shutting the executor down closes the client, never the
cluster, which belongs to whoever started it.
"""

from __future__ import annotations

from concurrent.futures import Executor, Future
from importlib.metadata import PackageNotFoundError, version

from handmade.contract.errors import InvalidInput

# Seconds to reach the scheduler, and again to see a first worker: a cluster answers in
# milliseconds, so a longer wait means a wrong address or a cluster without workers.
CONNECT_TIMEOUT = 10.0


def project_version() -> str:
    """This project's installed version (the same on the client and on every worker, or nothing runs)."""
    try:
        return version("mlp-parity")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "not installed"


class DaskExecutor(Executor):
    """Run tasks on the workers of the Dask scheduler at ``address``; ``workers`` = their threads in all."""

    def __init__(self, address: str, timeout: float | None = None):
        timeout = CONNECT_TIMEOUT if timeout is None else timeout
        try:
            from distributed import Client  # optional: the [dask] extra, imported only to use a cluster
        except ImportError:
            raise InvalidInput("--scheduler needs Dask distributed: pip install 'mlp-parity[dask]' "
                               "(the same on every worker machine)") from None
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise InvalidInput(f"cannot reach the Dask scheduler at {address} within {timeout:g} s ({exc}); "
                               "is `dask scheduler` running there, and is the address right?") from None
        try:
            self._check_workers(address, timeout)
        except BaseException:
            self.client.close()
            raise
        self.address = address
        self.workers = sum(self.client.nthreads().values())
        self._executor = self.client.get_executor(pure=False)

    def _check_workers(self, address: str, timeout: float) -> None:
        try:
            self.client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise InvalidInput(f"the Dask scheduler at {address} has no worker after {timeout:g} s; start one "
                               f"with: dask worker {address}") from None
        mine = project_version()
        try:
            theirs = self.client.run(project_version)
        except Exception as exc:  # noqa: BLE001 - whatever a worker raised: it cannot run this project's code
            raise InvalidInput(f"a worker of the Dask scheduler at {address} cannot run mlp-parity "
                               f"({type(exc).__name__}: {exc}); install it on every worker") from None
        other = {worker: v for worker, v in theirs.items() if v != mine}
        if other:
            worker, v = sorted(other.items())[0]
            raise InvalidInput(f"Dask worker {worker} runs mlp-parity {v}, this process {mine}: install the same "
                               f"version on every worker ({len(other)} of {len(theirs)} differ)")

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait and not cancel_futures)  # wait=False cancels what is pending
        self.client.close()

    def abort(self) -> None:
        """Cancel every task (a task already running on a worker finishes there, unseen) and disconnect."""
        self.shutdown(wait=False, cancel_futures=True)
