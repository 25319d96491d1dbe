"""Whole training runs, timed in turns like the steps, and batched K-network training against separate runs.

* **run**: a whole training run with the public APIs (``handmade.train``,
  ``torch_ref.train_torch``, a ``partial_fit`` loop), 3 runs each (1 quick), taking
  turns like the steps, with a paired ratio. The handmade and torch loss curves must
  agree (the trajectory tolerance): those are the bench's parity checks.
* **batched**: K letters networks (seeds 0..K-1) x E epochs with
  ``handmade.fast.batched.train_batched`` and ``torch_ref.batched.train_torch_batched``
  against K separate runs; the speed-up and the largest difference. The K separate
  runs go in a few groups with one batched run between groups, so background load
  hits both alike: separate = the sum of the groups, batched = the median of its runs.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import torch

from compare.bench.contenders import LIBRARY, sklearn_regressor
from compare.bench.sizes import LR
from compare.measure.records import compare_arrays
from compare.measure.timing import paired_ratio, time_steps
from compare.measure.tolerance import tolerance_for
from handmade.contract.plan import TrainPlan
from handmade.contract.spec import MLPSpec
from handmade.data import letters
from handmade.fast.batched import train_batched
from handmade.model import MLP
from handmade.train import train, train_each
from torch_ref.batched import train_torch_batched
from torch_ref.model import TorchMLP
from torch_ref.train import train_torch, train_torch_each

BATCHED_GROUPS = 5  # the separate runs of the batched comparison, in this many turns


def time_runs(spec, X, Y, epochs: int, with_sklearn: bool, rounds: int = 3,
              settle: float = 0.0) -> tuple[dict, list]:
    """Whole runs, taking turns like the steps (``rounds`` each, paired ratios); the loss records.

    Returns ``{"epochs", "seconds": {impl: stats_us of the runs}, "per_epoch_us": {impl: median},
    "handmade_over_torch": paired ratio}`` and the handmade-vs-torch loss-curve record (every
    run of one implementation gives the same curve: the runs are deterministic).
    """
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
    for side, batched, separate in (("handmade", train_batched, train_each),
                                    ("torch", train_torch_batched, train_torch_each)):
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
