"""What the bench ran on: versions, BLAS, load, import times; and the thread limit of a run."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from contextlib import contextmanager

import numpy as np
import torch

from handmade.contract.errors import InvalidInput


def import_times() -> dict:
    """Seconds to import torch and to create the first torch.optim optimizer, in a fresh interpreter."""
    code = ("import time; t0 = time.perf_counter(); import torch; t1 = time.perf_counter(); "
            "torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1); t2 = time.perf_counter(); "
            "import handmade; t3 = time.perf_counter(); print(t1 - t0, t2 - t1, t3 - t2)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    torch_s, optim_s, handmade_s = (float(v) for v in done.stdout.split())
    return {"import_torch_s": torch_s, "first_torch_optim_s": optim_s, "import_handmade_after_torch_s": handmade_s}


def environment() -> dict:
    env = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
           "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
           "load_average_1min": os.getloadavg()[0],
           "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
           "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        from threadpoolctl import threadpool_info  # optional (scikit-learn brings it)

        env["blas"] = [{k: info.get(k) for k in ("internal_api", "num_threads", "architecture", "version")}
                       for info in threadpool_info()]
    except ImportError:
        env["blas"] = "threadpoolctl not installed"
    try:
        import sklearn  # optional (the [bench] extra)
        env["sklearn"] = sklearn.__version__
    except ImportError:
        env["sklearn"] = None
    return env


@contextmanager
def thread_limit(threads: int | None):
    """BLAS (via threadpoolctl) and torch intra-op threads set to ``threads`` inside; None: unchanged."""
    if threads is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits  # optional (scikit-learn brings it)
    except ImportError:
        raise InvalidInput("--threads needs threadpoolctl (pip install threadpoolctl; "
                           "scikit-learn, the [bench] extra, brings it)") from None
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


