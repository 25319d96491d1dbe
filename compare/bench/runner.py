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
  (``compare.measure.timing``); each block gives one per-step time, the table shows
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
from compare.bench.sizes import GFLOP_SIZES, LR, SIZES, BenchOptions, bench_data, matmul_flops, step_flops
from compare.bench.targets import summarize_bench
from compare.measure.timing import settle_seconds, time_steps
from compare.present.progress import progress_bar
from handmade.contract.spec import MLPSpec


def run_bench(options: BenchOptions) -> dict:
    """Everything the command prints and writes; see ``summarize_bench`` for the summary."""
    settle = settle_seconds(options.threads)
    with_sklearn = sklearn_available()
    results = {"environment": environment(), "imports": import_times(), "quick": options.quick,
               "rounds": options.timed_rounds, "settle_s": settle, "lr": LR, "sklearn_available": with_sklearn,
               "threads": options.threads, "sizes": {}, "records": []}
    records = []
    total = len(options.sizes) * len(options.dtypes) + (1 if options.batched else 0)
    bar = progress_bar(total, "bench", enabled=None if options.progress else False)
    with thread_limit(options.threads), bar:
        for name in options.sizes:
            for dtype in options.dtypes:
                results["sizes"].setdefault(name, {})[dtype], size_records = time_size(name, dtype, options,
                                                                                        settle, with_sklearn)
                records += size_records
                bar.set_postfix_str(f"{name} {dtype}", refresh=False)
                bar.update(1)
        if options.batched:
            results["batched"], batched_records = time_batched(*options.batched_size)
            records += batched_records
            bar.update(1)
    results["records"] = [r.to_dict() for r in records]
    results["summary"] = summarize_bench(results, records)
    return results


def time_size(name: str, dtype: str, options: BenchOptions, settle: float, with_sklearn: bool) -> tuple[dict, list]:
    """One size in one dtype: the steps in turns, whole runs, GFLOP/s; (entry, parity records)."""
    size = SIZES[name]
    spec = MLPSpec(sizes=size.sizes, dtype=dtype)
    X, Y = bench_data(name, dtype)
    steps = {"handmade": handmade_step(spec, X, Y), "handmade_api": handmade_api_step(spec, X, Y),
             "torch": torch_step(spec, X, Y)}
    if with_sklearn:
        steps["sklearn"] = sklearn_step(spec, X, Y)
    if name in GFLOP_SIZES:
        steps.update(matmul_steps(size.sizes, size.batch, dtype))
    timed = time_steps(steps, options.timed_rounds, LIBRARY, settle)
    matmuls = {key: timed.pop(key) for key in MATMULS if key in timed}
    entry = {"sizes": list(size.sizes), "batch": size.batch, "step": timed}
    epochs = size.quick_run_epochs if options.quick else size.run_epochs
    entry["run"], records = time_runs(spec, X, Y, epochs, with_sklearn, rounds=1 if options.quick else 3,
                                      settle=settle)
    if name in GFLOP_SIZES:
        flops, reference = step_flops(size.sizes, size.batch), matmul_flops(size.sizes, size.batch)
        entry["matmul_us"] = matmuls
        entry["gflops"] = {"step_flops": flops, "matmul_flops": reference,
                           **{key: reference / (t["median_us"] * 1e-6) / 1e9 for key, t in matmuls.items()},
                           **{impl: flops / (timed[impl]["median_us"] * 1e-6) / 1e9 for impl in ("handmade", "torch")}}
    return entry, records
