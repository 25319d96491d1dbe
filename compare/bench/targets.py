"""The bench's summary: paired ratios per size and dtype, and each acceptance target's verdict.

``summarize_bench(results, records)`` reads what ``compare.bench.runner.run_bench`` measured
and returns the JSON ``summary``: the parity counts, ``sizes[size][dtype]`` =
``{handmade_over_torch, handmade_over_sklearn, matmul_fraction, numpy_matmul_over_torch}``
(the last two for medium and large) and ``targets``.
"""

from __future__ import annotations

from compare.measure.records import summarize
from compare.measure.timing import paired_ratio

TARGETS = {  # name -> (what, goal); checked in summarize_bench
    "tiny_vs_torch": "handmade >= 5x faster than torch at tiny (ratio <= 0.2)",
    "small_medium_vs_torch": "handmade no slower than torch at small and medium (ratio <= 1)",
    "large_vs_torch": "handmade within 1.15x of torch at large (ratio <= 1.15)",
    "vs_sklearn": "handmade faster than scikit-learn at every size (ratio < 1)",
    "large_matmul_fraction": "large: handmade >= 85% of the NumPy matmul GFLOP/s",
    "batched_handmade": "100 letters nets batched >= 20x faster than separate (handmade)",
    "batched_torch": "100 letters nets batched >= 10x faster than separate (torch)",
}


def summarize_bench(results: dict, records) -> dict:
    """The top-level summary: parity counts, then per size and dtype the ratios, then the targets.

    Ratios are paired (``compare.measure.timing.paired_ratio``): the median over rounds of the two blocks
    of the same round. ``matmul_fraction`` = (step flops / handmade step time) / (matmul flops /
    NumPy matmul time), paired the same way.
    """
    summary = summarize(records)
    per_size = {}
    for name, by_dtype in results["sizes"].items():
        for dtype, entry in by_dtype.items():
            step = entry["step"]
            row = {"handmade_over_torch": paired_ratio(step["handmade"], step["torch"]),
                   "handmade_over_sklearn": paired_ratio(step["handmade"], step["sklearn"]) if "sklearn" in step
                   else None}
            if "gflops" in entry:
                gflops, matmuls = entry["gflops"], entry["matmul_us"]
                row["matmul_fraction"] = (gflops["step_flops"] / gflops["matmul_flops"]
                                          * paired_ratio(matmuls["matmul_numpy"], step["handmade"]))
                # The libraries' own gap on one product (OpenBLAS vs MKL here): what a step made of
                # matmuls inherits in handmade_over_torch, whatever its own code does.
                row["numpy_matmul_over_torch"] = paired_ratio(matmuls["matmul_numpy"], matmuls["matmul_torch"])
            per_size.setdefault(name, {})[dtype] = row
    summary["sizes"] = per_size
    if "batched" in results:
        summary["batched_speedup"] = {side: results["batched"][side]["speedup"] for side in ("handmade", "torch")}
    summary["targets"] = check_targets(per_size, results.get("batched"))
    return summary


def check_targets(per_size: dict, batched: dict | None) -> dict:
    """Each acceptance target: the measured values and whether they are met (None: not measured).

    ``batched``: the bench's batched comparison (``{side: {"speedup": ...}, "networks", "epochs"}``) or None.
    """

    def values(names, key):
        return [row[key] for n in names for row in per_size.get(n, {}).values() if row.get(key) is not None]

    def verdict(measured, ok):
        return {"measured": measured, "met": (all(ok(v) for v in measured) if measured else None)}

    full_batch = batched is not None and batched["networks"] >= 100 and batched["epochs"] >= 1000
    out = {
        "tiny_vs_torch": verdict(values(["tiny"], "handmade_over_torch"), lambda r: r <= 0.2),
        "small_medium_vs_torch": verdict(values(["small", "medium"], "handmade_over_torch"), lambda r: r <= 1.0),
        "large_vs_torch": verdict(values(["large"], "handmade_over_torch"), lambda r: r <= 1.15),
        "vs_sklearn": verdict(values(list(per_size), "handmade_over_sklearn"), lambda r: r < 1.0),
        "large_matmul_fraction": verdict(values(["large"], "matmul_fraction"), lambda r: r >= 0.85),
        "batched_handmade": verdict([batched["handmade"]["speedup"]] if batched else [], lambda s: s >= 20),
        "batched_torch": verdict([batched["torch"]["speedup"]] if batched else [], lambda s: s >= 10),
    }
    for name, entry in out.items():
        entry["goal"] = TARGETS[name]
    if not full_batch:
        for name in ("batched_handmade", "batched_torch"):
            out[name]["note"] = "measured with fewer networks/epochs than the target's 100 x 1000"
    return out
