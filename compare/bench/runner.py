"""Speed, side by side in one process: handmade NumPy, torch eager and scikit-learn.

What is timed, per size and dtype:

* **step**: one training step - forward, loss, backward, SGD update, the loss
  read back as a Python float. handmade: ``FusedStep`` (inputs checked
  once, outside the timer, as torch does not check them either); torch:
  ``nn.Module`` + autograd + ``torch.optim.SGD`` (``zero_grad``, loss,
  ``item()``, ``backward``, ``step``); scikit-learn: ``MLPRegressor.partial_fit``
  (solver sgd, momentum 0, alpha 0, full batch, constant rate: one step per call).
  The implementations take turns, block after block, in alternating order and
  with a settle pause between libraries when threads can spin
  (``compare.bench.timing``); each block gives one per-step time, the table shows
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
  ``handmade.fast.batched.train_batched`` and ``torch_ref.batched.train_torch_batched``
  against K separate runs; the speed-up and the largest difference. The K
  separate runs go in a few groups with one batched run between groups, so
  background load hits both alike: separate = the sum of the groups, batched =
  the median of its runs.

Ratios are time(handmade) / time(other): below 1, handmade is faster.
"""

from __future__ import annotations

from compare.bench.contenders import (
    LIBRARY,
    MATMULS,
    handmade_api_step,
    handmade_step,
    matmul_steps,
    sklearn_available,
    sklearn_step,
    torch_step,
)
from compare.bench.environment import environment, import_times, thread_limit
from compare.bench.runs import time_batched, time_runs
from compare.bench.sizes import GFLOP_SIZES, LR, SIZES, bench_data, matmul_flops, step_flops
from compare.bench.targets import summarize_bench
from compare.bench.timing import settle_seconds, time_steps
from compare.present.progress import progress_bar
from handmade.contract.spec import MLPSpec


def run_bench(size_names, dtypes, quick: bool = False, rounds: int | None = None, batched: bool = True,
              n_networks: int | None = None, batched_epochs: int | None = None, progress: bool = True,
              threads: int | None = None) -> dict:
    """Everything the command prints and writes; see ``summarize_bench`` for the summary.

    ``threads``: BLAS and torch intra-op threads for the whole run (default: the libraries' own
    choice, one per core). With more than one, blocks of different libraries are separated by a
    settle pause (``compare.bench.timing``).
    """
    with thread_limit(threads):
        results = _run_bench(size_names, dtypes, quick, rounds, batched, n_networks, batched_epochs, progress,
                             settle_seconds(threads))
    results["threads"] = threads
    return results


def _run_bench(size_names, dtypes, quick, rounds, batched, n_networks, batched_epochs, progress, settle) -> dict:
    rounds = rounds or (5 if quick else 15)
    with_sklearn = sklearn_available()
    results = {"environment": environment(), "imports": import_times(), "quick": quick, "rounds": rounds,
               "settle_s": settle, "lr": LR, "sklearn_available": with_sklearn, "threads": None, "sizes": {},
               "records": []}
    records = []
    total = len(size_names) * len(dtypes) + (1 if batched else 0)
    with progress_bar(total, "bench", enabled=None if progress else False) as bar:
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
                bar.set_postfix_str(f"{name} {dtype}", refresh=False)
                bar.update(1)
        if batched:
            k = n_networks or (10 if quick else 100)
            e = batched_epochs or (100 if quick else 1000)
            results["batched"], batched_records = time_batched(k, e)
            records += batched_records
            bar.update(1)
    results["records"] = [r.to_dict() for r in records]
    results["summary"] = summarize_bench(results, records)
    return results
