"""``mlp-parity sweep``: training-trajectory parity over grids of activations x lrs x inits x ..."""

from __future__ import annotations

import argparse

from compare.cli import options
from compare.files.atomic import OutputSet
from compare.files.datafiles import load_xy
from compare.measure.tolerance import TOLERANCES
from compare.present.tables import text_table
from compare.run.executors import check_scheduler_address
from compare.trajectory import grid
from handmade.activations import Activation
from handmade.contract.errors import InvalidInput
from handmade.init import Initialiser
from handmade.optim import OPTIMIZERS, resolve_optimizer

NAME = "sweep"
SUMMARY = "train both implementations over a grid and compare the loss trajectories epoch by epoch"
EXAMPLES = f"""\
examples:
  mlp-parity sweep                                   # letters 30-16-3, MSE, SGD: 4 x 5 x 4 = 80 cells
  mlp-parity sweep --dtype float32 --json sweep32.json --csv sweep32.csv
  mlp-parity sweep --optimizer adam                  # or momentum, nesterov, adamw, "adam(beta1=0.8)"
  mlp-parity sweep --activations relu --lrs 0.1 --inits xavier_uniform --seeds 0,1,2 --batch-size 1
  mlp-parity sweep --data mine.npz --hidden 32,16 --epochs 200 --jobs 1
  mlp-parity sweep --seeds 0,1,2,3,4 --no-batch       # every cell trained on its own (slower)
  mlp-parity sweep --curves --json s.json --plots s_plots   # keep the loss curves, draw the figures
  mlp-parity sweep --scheduler tcp://10.0.0.5:8786    # on a Dask cluster (pip install 'mlp-parity[dask]')

Cells that differ only in initialiser and seed (same activation, lr, optimizer,
dtype, batch order) train as one batched group on each side (K stacked networks,
handmade.fast.batched / torch_ref.batched); each member is then compared and, where
needed, re-synchronised exactly like a single cell. --no-batch turns that off.

Each cell trains both sides from the same initial weights on the same batches
and compares the loss of every epoch:
  rel = |L_handmade - L_torch| / max(|L_handmade|, |L_torch|, phi * L_1)
with L_1 the first epoch's loss and phi the loss floor (float64 {options.LOSS_FLOOR["float64"]},
float32 {options.LOSS_FLOOR["float32"]}; below it a loss difference is counted in units of phi * L_1,
because the relative difference of a loss near rounding noise means nothing).
status:
  match               every epoch within the trajectory tolerance
                      (float64 {options.TRAJECTORY["float64"]}, float32 {options.TRAJECTORY["float32"]})
  both diverged       both losses became non-finite at the same epoch, and
                      every step before agrees (as for any other run)
  sensitive dynamics  the runs part, but re-synchronised from the handmade
                      state, every single step agrees to the one-step
                      tolerance (float64 {options.STEP["float64"]}, float32 {options.STEP["float32"]}): amplified
                      rounding, not a bug; 'growth' is the fitted growth of
                      the difference per epoch
                      (a step over the one-step tolerance passes if within
                      {options.SPREAD_FACTOR} x its own rounding spread, measured by re-running
                      the torch step with 1-ulp perturbations; 'spread ratio'
                      = |h - t| / spread of the worst such step, '-' if none)
  mismatch            a re-synchronised step disagrees (a bug): see
                      'mismatch at' for the epoch and the tensor
exit code 0 when every cell matches, 1 otherwise, 2 for bad input.
"""


def configure(parser):
    parser.epilog = EXAMPLES
    parser.add_argument("--activations", type=options.list_of(options.checked_names("activation", Activation)),
                        default=list(grid.DEFAULT_ACTIVATIONS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--lrs", type=options.list_of(options.positive_float), default=list(grid.DEFAULT_LRS),
                        help="learning rates, comma-separated, each > 0 (default: %(default)s)")
    parser.add_argument("--inits", type=options.list_of(options.checked_names("initialiser", Initialiser)),
                        default=list(grid.DEFAULT_INITS), help="comma-separated (default: %(default)s)")
    parser.add_argument("--seeds", type=options.list_of(options.nonnegative_int), default=[0],
                        help="seeds of the initial weights and the batch order (default: 0)")
    parser.add_argument("--optimizer", type=options.list_of(options.checked_names("optimizer", resolve_optimizer)),
                        default=["sgd"], help=f"comma-separated; one of {', '.join(OPTIMIZERS)}, optionally with "
                                              "parameters like momentum(momentum=0.5) (default: sgd)")
    parser.add_argument("--epochs", type=options.positive_int, default=1000, help="epochs per run (default: 1000)")
    parser.add_argument("--batch-size", type=options.positive_int, default=None,
                        help="rows per mini-batch, shuffled per epoch from the seed (default: full batch)")
    options.add_dtype(parser, "float64")
    options.add_hidden(parser)
    options.add_data(parser)
    parser.add_argument("--jobs", type=options.positive_int, default=None,
                        help="worker processes (default: one per core; 1 runs serially in this process)")
    parser.add_argument("--scheduler", metavar="tcp://HOST:PORT", type=_scheduler,
                        help="run the cells on the workers of this Dask scheduler instead of local processes "
                             "(needs the [dask] extra here and on the workers; see the README)")
    parser.add_argument("--no-batch", action="store_true",
                        help="train every cell on its own instead of batching the cells that differ only in "
                             "initialiser and seed")
    parser.add_argument("--no-resync", action="store_true",
                        help="do not re-synchronise parted runs (every parted run is then a mismatch)")
    parser.add_argument("--csv", metavar="PATH", type=options.output_file, help="also write one CSV row per cell")
    parser.add_argument("--curves", action="store_true",
                        help="keep every cell's per-epoch losses (both sides) and their difference in the JSON "
                             "(for mlp-parity plot; about 3 x epochs numbers per cell)")
    parser.add_argument("--plots", metavar="DIR", type=options.output_dir,
                        help="also draw the comparison figures and an index.html into DIR (implies --curves)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary, not one row per cell")
    options.add_json(parser)


def _scheduler(text: str) -> str:
    try:
        return check_scheduler_address(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _where(executor: dict) -> str:
    """Where the cells ran, for the summary line: "2 local processes", "Dask at tcp://...: 8 workers"."""
    if executor["kind"] == "dask":
        return f"Dask at {executor['scheduler']}: {executor['workers']} workers"
    return "in this process" if executor["kind"] == "inline" else f"{executor['workers']} {executor['kind']}"


def _ratio(value) -> str:
    """A spread ratio |h - t| / spread for the table; '-' where no step was judged by its spread."""
    return "-" if value is None else f"{value:.2f}"


def run(args) -> int:
    options.distinct_outputs(args, "json", "csv")
    X, Y = load_xy(args.data)
    # torch: only once the data is known to be good (--help and bad input answer without it)
    from compare.trajectory.sweep import run_sweep

    setup = grid.SweepSetup(X=X, Y=Y, hidden=tuple(args.hidden), epochs=args.epochs, batch_size=args.batch_size,
                       resync=not args.no_resync, curves=args.curves or args.plots is not None)
    cells = grid.make_grid(args.activations, args.lrs, args.inits, args.seeds, args.optimizer, args.dtype)
    result = run_sweep(cells, setup, jobs=args.jobs, batched=not args.no_batch, scheduler=args.scheduler)
    summary = result.summary
    if not args.quiet:
        headers = ["activation", "lr", "init", "seed", "optimizer", "dtype", "status", "worst rel", "first over",
                   "diverged (h/t)", "growth/epoch", "resync worst", "spread ratio", "mismatch at"]
        table = []
        for r in result.rows:
            diverged = (f"{r['handmade_diverged_at'] or '-'}/{r['torch_diverged_at'] or '-'}"
                        if r["handmade_diverged_at"] or r["torch_diverged_at"] else "-")
            mismatch = f"{r['mismatch_epoch']} ({r['mismatch_name']})" if r["mismatch_epoch"] else None
            table.append([r["activation"], r["lr"], r["init"], r["seed"], r["optimizer"], r["dtype"], r["status"],
                          r["worst_rel_diff"], r["first_over"], diverged,
                          f"x{r['growth_factor']:.3f}" if r["growth_factor"] else None,
                          r["resync_worst_rel_diff"], _ratio(r["resync_worst_spread_ratio"]), mismatch])
        print(text_table(headers, table))
        print()
    sizes = "-".join(map(str, setup.sizes))
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary["statuses"].items()))
    print(f"{summary['checks']} cells ({sizes}, {args.epochs} epochs, "
          f"{'full batch' if args.batch_size is None else f'batch {args.batch_size}'}): {statuses}; "
          f"{summary['failed']} failed")
    print(f"worst checked relative difference {summary['worst_rel_diff']:.2e} (trajectory tolerance "
          + ", ".join(f"{d} {TOLERANCES[d].trajectory:g}" for d in args.dtype)
          + "; one-step " + ", ".join(f"{d} {TOLERANCES[d].step:g}" for d in args.dtype)
          + f"); worst whole-run difference {summary['worst_trajectory_rel_diff']:.2e}; "
            f"wall time {result.seconds:.1f} s ("
          + (f"{result.groups} batched groups" if result.batched else "unbatched") + f"; {_where(result.executor)})")
    spread_dtypes = sorted({r["dtype"] for r in result.rows if r["resync_spread_steps"]})
    if spread_dtypes:
        factors = {TOLERANCES[d].spread_factor for d in spread_dtypes}
        factor = (f"{factors.pop():g}" if len(factors) == 1
                  else "/".join(f"{TOLERANCES[d].spread_factor:g} ({d})" for d in spread_dtypes))
        print(f"(steps over the one-step tolerance are judged against {factor} x their own rounding spread)")
    document = {**result.to_dict(), "setup": {
        "sizes": list(setup.sizes), "loss": setup.loss, "epochs": setup.epochs, "batch_size": setup.batch_size,
        "data": args.data or "letters", "resync": setup.resync},
        "tolerances": {d: TOLERANCES[d].to_dict() for d in args.dtype}}
    with OutputSet() as outputs:  # the JSON and the CSV of one sweep: both, or neither
        if args.json:
            outputs.write_json(args.json, document)
        if args.csv:
            outputs.write_text(args.csv, grid.rows_to_csv(result.rows))
    if args.plots:
        from compare.cli.plot import draw  # matplotlib: only when figures are asked for

        draw(document, args.plots, "this sweep")
    return 0 if summary["failed"] == 0 else 1
