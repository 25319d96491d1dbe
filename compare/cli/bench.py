"""``mlp-parity bench``: training speed of handmade NumPy vs torch eager vs scikit-learn."""

from __future__ import annotations

import argparse

from compare.bench.sizes import SIZES, BenchOptions
from compare.cli import options
from compare.files.atomic import write_json
from compare.present.tables import text_table

NAME = "bench"
SUMMARY = "time a training step and a training run: handmade NumPy vs torch eager vs scikit-learn"
EXAMPLES = """\
examples:
  mlp-parity bench                                  # every size, float64 and float32 (a few minutes)
  mlp-parity bench --quick                          # fewer blocks, shorter runs, 10 x 100 batched
  mlp-parity bench --sizes tiny,small --dtype float64 --json bench.json
  mlp-parity bench --threads 1                      # one BLAS/torch thread: steadier on a busy machine

A step is forward, loss, backward and an SGD update. The three implementations
take turns, block after block (~20 ms each, order alternating by round, a
0.25 s pause between libraries when they run more than one thread, so that
idle threads spinning in one do not slow the other); 'median' and 'min-max'
are per-step times over the blocks. Ratios are time(handmade) / time(other),
the median over rounds of the two blocks of the same round: below 1,
handmade is faster. GFLOP/s (medium, large) counts the matmuls of a step and
compares them with a plain matmul of the same dtype timed in the same
process; 'matmul numpy/torch' is that matmul's time in NumPy over torch (their
BLAS libraries' own gap). 'batched' trains K letters networks at once
(stacked weights) against K separate runs.

scikit-learn is optional: pip install '.[bench]'. On a machine shared with
other jobs, run it twice and compare the ranges: a 2-thread BLAS call waits
for its second thread's scheduler slice (~30 ms) whenever another process
holds that core, which swamps medium and large sizes; --threads 1 avoids it.
"""


def configure(parser):
    parser.epilog = EXAMPLES
    names = list(SIZES)

    def size_name(text):
        if text not in SIZES:
            raise argparse.ArgumentTypeError(f"unknown size {text!r}; choose from {', '.join(names)}")
        return text

    parser.add_argument("--sizes", type=options.list_of(size_name), default=names,
                        help=f"comma-separated sizes (default: all: {','.join(names)})")
    options.add_dtype(parser, "both")
    parser.add_argument("--quick", action="store_true",
                        help="5 rounds of blocks, short runs, 10 networks x 100 epochs batched")
    parser.add_argument("--rounds", type=options.positive_int, default=None,
                        help="rounds of timed blocks, one per implementation (default: 15, or 5 with --quick)")
    parser.add_argument("--networks", type=options.positive_int, default=None,
                        help="networks in the batched comparison (default: 100, or 10 with --quick)")
    parser.add_argument("--batched-epochs", type=options.positive_int, default=None,
                        help="epochs in the batched comparison (default: 1000, or 100 with --quick)")
    parser.add_argument("--no-batched", action="store_true", help="skip the batched comparison")
    parser.add_argument("--threads", type=options.positive_int, default=None,
                        help="BLAS and torch threads for every timing (default: the libraries' choice, one per "
                             "core); 1 gives steadier numbers on a machine busy with other jobs")
    options.add_json(parser)


def _us(stats):
    return f"{stats['median_us']:.4g}", f"{stats['min_us']:.4g}-{stats['max_us']:.4g}"


def _verdict(target: dict) -> str:
    """yes / no / - (not measured), with the target's note (e.g. a smaller batched run than the goal's)."""
    if target["met"] is None:
        return "-"
    text = "yes" if target["met"] else "no"
    return f"{text} ({target['note']})" if "note" in target else text


def run(args) -> int:
    from compare.bench.runner import run_bench  # torch: only when the command runs (--help stays fast)

    results = run_bench(BenchOptions(sizes=tuple(args.sizes), dtypes=tuple(args.dtype), quick=args.quick,
                                     rounds=args.rounds, batched=not args.no_batched, networks=args.networks,
                                     batched_epochs=args.batched_epochs, threads=args.threads))
    summary = results["summary"]
    imports = results["imports"]
    print(f"import torch {imports['import_torch_s']:.2f} s; first torch.optim optimizer "
          f"{imports['first_torch_optim_s']:.2f} s (pulls in torch._dynamo); "
          f"load average {results['environment']['load_average_1min']:.2f}; "
          f"threads {results['threads'] or 'library default'}; {results['rounds']} rounds"
          + (f", {results['settle_s']:g} s settle pause between libraries" if results["settle_s"] else ""))
    if not results["sklearn_available"]:
        print("scikit-learn is not installed: its columns are empty (pip install '.[bench]')")
    rows = []
    for name, by_dtype in results["sizes"].items():
        for dtype, entry in by_dtype.items():
            step, ratios = entry["step"], summary["sizes"][name][dtype]
            sk = step.get("sklearn")
            gf = entry.get("gflops", {})
            rows.append([name, dtype, *_us(step["handmade"]), *_us(step["torch"]),
                         *(_us(sk) if sk else (None, None)), f"{step['handmade_api']['median_us']:.4g}",
                         f"{ratios['handmade_over_torch']:.2f}",
                         None if ratios["handmade_over_sklearn"] is None else f"{ratios['handmade_over_sklearn']:.2f}",
                         f"{gf['handmade']:.1f}/{gf['matmul_numpy']:.1f}" if gf else None,
                         f"{ratios['matmul_fraction']:.0%}" if gf else None,
                         f"{ratios['numpy_matmul_over_torch']:.2f}" if gf else None])
    print("\nper training step (microseconds)")
    print(text_table(["size", "dtype", "handmade", "min-max", "torch", "min-max", "sklearn", "min-max",
                      "handmade api", "h/torch", "h/sklearn", "GFLOP/s h/matmul", "of matmul",
                      "matmul numpy/torch"], rows))
    run_rows = []
    for name, by_dtype in results["sizes"].items():
        for dtype, entry in by_dtype.items():
            run = entry["run"]
            seconds = {impl: f"{t['median_us'] * 1e-6:.3g}" for impl, t in run["seconds"].items()}
            run_rows.append([name, dtype, run["epochs"], seconds["handmade"], seconds["torch"],
                             seconds.get("sklearn"), f"{run['handmade_over_torch']:.2f}"])
    print("\nwhole runs with the public APIs (median seconds over the runs; h/torch paired)")
    print(text_table(["size", "dtype", "epochs", "handmade train()", "torch train_torch()", "sklearn", "h/torch"],
                     run_rows))
    if "batched" in results:
        b = results["batched"]
        print(f"\nbatched: {b['networks']} letters networks x {b['epochs']} epochs")
        print(text_table(["side", "batched s", "separate s", "speed-up"],
                         [[side, f"{b[side]['batched_s']:.3g}", f"{b[side]['separate_s']:.3g}",
                           f"{b[side]['speedup']:.1f}x"] for side in ("handmade", "torch")]))
    print("\ntargets")
    print(text_table(["target", "measured", "met"],
                     [[t["goal"], ", ".join(f"{v:.3g}" for v in t["measured"]) or None,
                       _verdict(t)] for t in summary["targets"].values()]))
    print(f"\n{summary['checks']} parity checks (loss curves), {summary['failed']} failed; "
          f"worst relative difference {summary['worst_rel_diff']:.2e}")
    if args.json:
        write_json(args.json, results)
    return 0 if summary["failed"] == 0 else 1
