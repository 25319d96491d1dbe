"""Speed, side by side in one process: handmade NumPy, torch eager and scikit-learn.

What is timed, per size and dtype:

* **step**: one training step - forward, loss, backward, SGD update, the loss
  read back as a Python float. handmade: ``MLP.train_step`` (inputs checked
  once, outside the timer, as torch does not check them either); torch:
  ``nn.Module`` + autograd + ``torch.optim.SGD`` (``zero_grad``, loss,
  ``item()``, ``backward``, ``step``); scikit-learn: ``MLPRegressor.partial_fit``
  (solver sgd, momentum 0, alpha 0, full batch, constant rate: one step per call).
  The implementations take turns, block after block, in alternating order and
  with a settle pause between libraries when threads can spin
  (``compare.timing``); each block gives one per-step time, the table shows
  the median and the min-max over blocks, and each ratio is the median of the
  ratios of blocks in the same round, so a minute when the machine runs slow
  hits both sides of a ratio alike.
* **run**: a whole training run with the public APIs (``handmade.train``,
  ``torch_ref.train_torch``, a ``partial_fit`` loop), 3 runs each (1 quick),
  taking turns like the steps, with a paired ratio. The handmade
  and torch loss curves must agree (the trajectory tolerance): those are the
  bench's parity checks.
* **GFLOP/s** (medium, large): matmul flops of a step, 2 N sum(in*out) for the
  forward, as much for dW, and again for da except at the input layer (which
  torch skips too), over the median step time, against a plain matmul of the
  first layer's shape, ``X @ W^T`` (N, n_0) x (n_0, n_1), of the same dtype,
  timed in the same rounds as the steps (taking turns with them; paired ratio).
* **batched**: K letters networks (seeds 0..K-1) x E epochs with
  ``handmade.batched.train_batched`` and ``torch_ref.batched.train_torch_batched``
  against K separate runs; the speed-up and the largest difference. The K
  separate runs go in a few groups with one batched run between groups, so
  background load hits both alike: separate = the sum of the groups, batched =
  the median of its runs.

Ratios are time(handmade) / time(other): below 1, handmade is faster.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .bench_targets import summarize_bench
from .progress import Progress
from .records import compare_arrays
from .timing import paired_ratio, settle_seconds, time_steps
from .tolerance import tolerance_for


@dataclass(frozen=True)
class BenchSize:
    sizes: tuple[int, ...]
    batch: int
    run_epochs: int
    quick_run_epochs: int


SIZES: dict[str, BenchSize] = {
    "tiny": BenchSize((30, 16, 3), 3, 1000, 200),       # the lesson's letters
    "small": BenchSize((64, 64, 10), 1797, 1000, 50),   # the shape of scikit-learn's digits
    "medium": BenchSize((784, 256, 10), 256, 200, 20),  # an MNIST mini-batch
    "large": BenchSize((784, 1024, 1024, 10), 512, 10, 3),
}
GFLOP_SIZES = ("medium", "large")
LR = 0.01
BATCHED_GROUPS = 5  # the separate runs of the batched comparison, in this many turns

def bench_data(name: str, dtype: str):
    """Deterministic data: the letters for tiny, seeded Gaussian inputs and one-hot targets otherwise."""
    from handmade.data import letters

    size = SIZES[name]
    if name == "tiny":
        X, Y = letters()
    else:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(size.batch, size.sizes[0]))
        Y = np.eye(size.sizes[-1])[rng.integers(0, size.sizes[-1], size.batch)]
    return X.astype(dtype), Y.astype(dtype)


def step_flops(sizes, n_rows: int) -> float:
    """Matmul flops of one training step (see the module docstring)."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    per_pass = 2.0 * n_rows * sum(n_in * n_out for n_in, n_out in layers)
    return 3 * per_pass - 2.0 * n_rows * layers[0][0] * layers[0][1]


# -- the three steps ------------------------------------------------------------------------------
def handmade_step(spec, X, Y):
    from handmade.model import MLP
    from handmade.optim import make_optimizer

    net = MLP(spec)
    optimizer = make_optimizer("sgd", net.params, LR)
    return lambda: net.train_step(X, Y, optimizer, validate=False)


def handmade_api_step(spec, X, Y):
    """The readable path, for information: forward, loss, backward (all intermediates), step."""
    from handmade.model import MLP
    from handmade.optim import make_optimizer

    net = MLP(spec)
    optimizer = make_optimizer("sgd", net.params, LR)

    def step():
        net.forward(X)
        net.loss(Y)
        optimizer.step(net.backward(Y).params)
    return step


def torch_step(spec, X, Y):
    import torch

    from torch_ref.model import TorchMLP, torch_loss

    model = TorchMLP(spec)
    x, y = model.tensor(X), model.tensor(Y)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch_loss(spec.loss, model(x), y)
        loss.item()
        loss.backward()
        optimizer.step()
    return step


def sklearn_regressor(spec, n_rows: int):
    from sklearn.neural_network import MLPRegressor

    return MLPRegressor(hidden_layer_sizes=spec.sizes[1:-1], activation="relu", solver="sgd", momentum=0.0,
                        nesterovs_momentum=False, alpha=0.0, batch_size=n_rows, learning_rate="constant",
                        learning_rate_init=LR, shuffle=False, random_state=0)


def sklearn_step(spec, X, Y):
    import warnings

    reg = sklearn_regressor(spec, len(X))
    reg.partial_fit(X, Y)  # the first call initialises the weights

    def step():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter
            reg.partial_fit(X, Y)
    return step


def sklearn_available() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


MATMULS = ("matmul_numpy", "matmul_torch")


def matmul_steps(sizes, n_rows: int, dtype: str) -> dict:
    """The reference: the first layer's product X @ W^T, (N, n_0) x (n_0, n_1), in NumPy and torch.

    W is stored (n_1, n_0) and used through its transpose, as both networks do,
    so the reference and the step run the same BLAS kernel on the same shapes.
    """
    import torch

    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_rows, sizes[0])).astype(dtype)
    W = rng.normal(size=(sizes[1], sizes[0])).astype(dtype)
    tX, tW = torch.from_numpy(X), torch.from_numpy(W)
    return {"matmul_numpy": lambda: X @ W.T, "matmul_torch": lambda: tX @ tW.T}


def matmul_flops(sizes, n_rows: int) -> float:
    return 2.0 * n_rows * sizes[0] * sizes[1]


# -- whole runs -----------------------------------------------------------------------------------
def time_runs(spec, X, Y, epochs: int, with_sklearn: bool, rounds: int = 3,
              settle: float = 0.0) -> tuple[dict, list]:
    """Whole runs, taking turns like the steps (``rounds`` each, paired ratios); the loss records.

    Returns ``{"epochs", "seconds": {impl: stats_us of the runs}, "per_epoch_us": {impl: median},
    "handmade_over_torch": paired ratio}`` and the handmade-vs-torch loss-curve record (every
    run of one implementation gives the same curve: the runs are deterministic).
    """
    import warnings

    from handmade.model import MLP
    from handmade.train import TrainPlan, train
    from torch_ref.model import TorchMLP
    from torch_ref.train import train_torch

    plan = TrainPlan(optimizer="sgd", lr=LR, epochs=epochs)
    histories = {}

    def sklearn_run():
        reg = sklearn_regressor(spec, len(X))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(epochs):
                reg.partial_fit(X, Y)

    def handmade_run():
        histories["handmade"] = train(MLP(spec), X, Y, plan)

    def torch_run():
        histories["torch"] = train_torch(TorchMLP(spec), X, Y, plan)

    runs = {"handmade": handmade_run, "torch": torch_run, **({"sklearn": sklearn_run} if with_sklearn else {})}
    timed = time_steps(runs, rounds, LIBRARY, settle, probe=False)
    tol = tolerance_for(spec.dtype).trajectory
    records = [compare_arrays(f"run loss {spec.sizes} {spec.dtype}", histories["handmade"].loss,
                              histories["torch"].loss, tol, kind="trajectory")]
    return {"epochs": epochs, "seconds": timed,
            "per_epoch_us": {k: t["median_us"] / epochs for k, t in timed.items()},
            "handmade_over_torch": paired_ratio(timed["handmade"], timed["torch"])}, records


def time_batched(n_networks: int, epochs: int) -> tuple[dict, list]:
    """K letters networks x E epochs: batched vs separate, handmade and torch; the largest differences."""
    import torch

    from handmade.batched import train_batched, train_separately
    from handmade.data import letters
    from handmade.spec import MLPSpec
    from handmade.train import TrainPlan
    from torch_ref.batched import train_torch_batched, train_torch_separately

    X, Y = letters()
    specs = [MLPSpec(sizes=(30, 16, 3), seed=k) for k in range(n_networks)]
    plan = TrainPlan(optimizer="sgd", lr=0.1, epochs=epochs)
    groups = np.array_split(np.arange(n_networks), min(BATCHED_GROUPS, n_networks))
    # Letters networks are tiny: torch's intra-op threads cost more than they save, and on a busy
    # 2-core machine a parallel region waits for a whole scheduler slice (measured under load 5:
    # 100 nets x 200 epochs batched 4.9 s with 2 threads, 0.45 s with 1). Both torch timings use
    # one thread, as the study and the sweep workers do.
    threads = torch.get_num_threads()
    result, records = {"networks": n_networks, "epochs": epochs, "torch_threads": 1}, []
    tol = tolerance_for("float64").trajectory
    for side, batched, separate in (("handmade", train_batched, train_separately),
                                    ("torch", train_torch_batched, train_torch_separately)):
        torch.set_num_threads(1 if side == "torch" else threads)
        batched_runs, t_separate, apart = [], 0.0, []
        try:
            for group in groups:  # take turns: one batched run of all K, then a group of separate runs
                start = time.perf_counter()
                together = batched(specs, X, Y, plan)
                batched_runs.append(time.perf_counter() - start)
                start = time.perf_counter()
                apart += separate([specs[k] for k in group], X, Y, plan)
                t_separate += time.perf_counter() - start
        finally:
            torch.set_num_threads(threads)
        t_batched = statistics.median(batched_runs)
        result[side] = {"batched_s": t_batched, "batched_runs_s": batched_runs, "separate_s": t_separate,
                        "speedup": t_separate / t_batched}
        records.append(compare_arrays(f"{side} batched vs separate: loss curves",
                                      np.stack([h.loss for h in together]), np.stack([h.loss for h in apart]),
                                      tol, kind="trajectory"))
    return result, records


def import_times() -> dict:
    """Seconds to import torch and to create the first torch.optim optimizer, in a fresh interpreter."""
    code = ("import time; t0 = time.perf_counter(); import torch; t1 = time.perf_counter(); "
            "torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1); t2 = time.perf_counter(); "
            "import handmade; t3 = time.perf_counter(); print(t1 - t0, t2 - t1, t3 - t2)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    torch_s, optim_s, handmade_s = (float(v) for v in done.stdout.split())
    return {"import_torch_s": torch_s, "first_torch_optim_s": optim_s, "import_handmade_after_torch_s": handmade_s}


def environment() -> dict:
    import torch

    env = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
           "torch_threads": torch.get_num_threads(), "cpus": os.cpu_count(),
           "load_average_1min": os.getloadavg()[0],
           "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
           "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        from threadpoolctl import threadpool_info

        env["blas"] = [{k: info.get(k) for k in ("internal_api", "num_threads", "architecture", "version")}
                       for info in threadpool_info()]
    except ImportError:
        env["blas"] = "threadpoolctl not installed"
    try:
        import sklearn

        env["sklearn"] = sklearn.__version__
    except ImportError:
        env["sklearn"] = None
    return env


# -- the whole bench ------------------------------------------------------------------------------
def run_bench(size_names, dtypes, quick: bool = False, rounds: int | None = None, batched: bool = True,
              n_networks: int | None = None, batched_epochs: int | None = None, progress: bool = True,
              threads: int | None = None) -> dict:
    """Everything the command prints and writes; see ``summarize_bench`` for the summary.

    ``threads``: BLAS and torch intra-op threads for the whole run (default: the libraries' own
    choice, one per core). With more than one, blocks of different libraries are separated by a
    settle pause (``compare.timing``).
    """
    with _thread_limit(threads):
        results = _run_bench(size_names, dtypes, quick, rounds, batched, n_networks, batched_epochs, progress,
                             settle_seconds(threads))
    results["threads"] = threads
    return results


@contextmanager
def _thread_limit(threads: int | None):
    """BLAS (via threadpoolctl) and torch intra-op threads set to ``threads`` inside; None: unchanged."""
    if threads is None:
        yield
        return
    import torch

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        from handmade.errors import InvalidInput

        raise InvalidInput("--threads needs threadpoolctl (pip install threadpoolctl; "
                           "scikit-learn, the [bench] extra, brings it)") from None
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


# The library each timed step runs on: a settle pause separates blocks of different ones.
LIBRARY = {"handmade": "numpy", "handmade_api": "numpy", "matmul_numpy": "numpy", "sklearn": "numpy",
           "torch": "torch", "matmul_torch": "torch"}


def _run_bench(size_names, dtypes, quick, rounds, batched, n_networks, batched_epochs, progress, settle) -> dict:
    from handmade.spec import MLPSpec

    rounds = rounds or (5 if quick else 15)
    with_sklearn = sklearn_available()
    results = {"environment": environment(), "imports": import_times(), "quick": quick, "rounds": rounds,
               "settle_s": settle, "lr": LR, "sklearn_available": with_sklearn, "threads": None, "sizes": {},
               "records": []}
    records = []
    total = len(size_names) * len(dtypes) + (1 if batched else 0)
    with Progress(total, "bench", enabled=None if progress else False) as bar:
        for name in size_names:
            size = SIZES[name]
            for dtype in dtypes:
                spec = MLPSpec(sizes=size.sizes, dtype=dtype)
                X, Y = bench_data(name, dtype)
                steps = {"handmade": handmade_step(spec, X, Y), "handmade_api": handmade_api_step(spec, X, Y),
                         "torch": torch_step(spec, X, Y)}
                if with_sklearn:
                    steps["sklearn"] = sklearn_step(spec, X, Y)
                if name in GFLOP_SIZES:
                    steps.update(matmul_steps(size.sizes, size.batch, dtype))
                timed = time_steps(steps, rounds, LIBRARY, settle)
                matmuls = {key: timed.pop(key) for key in MATMULS if key in timed}
                entry = {"sizes": list(size.sizes), "batch": size.batch, "step": timed}
                epochs = size.quick_run_epochs if quick else size.run_epochs
                entry["run"], run_records = time_runs(spec, X, Y, epochs, with_sklearn, 1 if quick else 3, settle)
                records += run_records
                if name in GFLOP_SIZES:
                    flops = step_flops(size.sizes, size.batch)
                    reference = matmul_flops(size.sizes, size.batch)
                    step = entry["step"]
                    entry["matmul_us"] = matmuls
                    entry["gflops"] = {"step_flops": flops, "matmul_flops": reference,
                                       **{key: reference / (t["median_us"] * 1e-6) / 1e9 for key, t in matmuls.items()},
                                       **{impl: flops / (step[impl]["median_us"] * 1e-6) / 1e9
                                          for impl in ("handmade", "torch")}}
                results["sizes"].setdefault(name, {})[dtype] = entry
                bar.update(note=f"{name} {dtype}")
        if batched:
            k = n_networks or (10 if quick else 100)
            e = batched_epochs or (100 if quick else 1000)
            results["batched"], batched_records = time_batched(k, e)
            records += batched_records
            bar.update(note="batched")
    results["records"] = [r.to_dict() for r in records]
    results["summary"] = summarize_bench(results, records)
    return results
