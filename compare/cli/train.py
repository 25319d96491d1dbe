"""``mlp-parity train``: one training run of both implementations, side by side."""

from __future__ import annotations

import math

import numpy as np

from compare.cli import options
from compare.files.atomic import OutputSet
from compare.files.datafiles import load_xy
from compare.files.weights import load_weights, save_weights
from compare.measure.differences import rel_diff
from compare.present.tables import text_table
from handmade.contract.plan import STOP_EPOCHS, TrainPlan
from handmade.contract.spec import MLPSpec
from handmade.init import Initialiser
from handmade.optim import OPTIMIZERS, resolve_optimizer

NAME = "train"
SUMMARY = "train the handmade MLP and the torch reference from the same weights and compare the loss curves"
EXAMPLES = f"""\
examples:
  mlp-parity train                                   # letters, 30-16-3 relu, SGD lr 0.1, 1000 epochs
  mlp-parity train --activation tanh --lr 0.5 --optimizer momentum --print-every 50
  mlp-parity train --optimizer "adam(beta1=0.8)" --lr 0.01 --batch-size 1 --dtype float32
  mlp-parity train --data mine.csv --hidden 8 --epochs 200 --json run.json
  mlp-parity train --init-from start.npz --save-weights trained.npz

Prints the loss of both sides every --print-every epochs with their
difference rel = |L_h - L_t| / max(|L_h|, |L_t|, phi * L_1) (phi: the loss
floor, float64 {options.LOSS_FLOOR["float64"]}, float32 {options.LOSS_FLOOR["float32"]}), the final
predictions of both on the training data, and the verdict: match / both diverged / sensitive dynamics
(the runs part, but every re-synchronised step agrees) / mismatch (a step
disagrees: a bug). Exit code 0 for the first three, 1 for a mismatch.
"""


def configure(parser):
    parser.epilog = EXAMPLES
    options.add_activations(parser)
    options.add_loss(parser)
    parser.add_argument("--init", type=options.checked_names("initialiser", Initialiser),
                        default="torch_default", help="initialiser (default: torch_default)")
    parser.add_argument("--seed", type=options.nonnegative_int, default=0,
                        help="seed of the initial weights and the batch order (default: 0)")
    parser.add_argument("--optimizer", type=options.checked_names("optimizer", resolve_optimizer),
                        default="sgd", help=f"one of {', '.join(OPTIMIZERS)}, optionally with parameters "
                                            "like momentum(momentum=0.5) (default: sgd)")
    parser.add_argument("--lr", type=options.positive_float, default=0.1, help="learning rate > 0 (default: 0.1)")
    parser.add_argument("--epochs", type=options.positive_int, default=1000, help="(default: 1000)")
    parser.add_argument("--batch-size", type=options.positive_int, default=None,
                        help="rows per mini-batch, shuffled per epoch from the seed (default: full batch)")
    parser.add_argument("--stop-loss", type=options.positive_float, default=None, metavar="LOSS",
                        help="stop both sides once the epoch loss is <= LOSS (the lesson's stopping rule)")
    parser.add_argument("--patience", type=options.positive_int, default=None, metavar="K",
                        help="stop both sides after K epochs without improvement")
    options.add_dtype(parser, "float64", both=False)
    options.add_hidden(parser)
    options.add_data(parser)
    parser.add_argument("--init-from", metavar="FILE",
                        help="start both sides from these weights (.npz or .pt) instead of --init/--seed")
    parser.add_argument("--save-weights", metavar="FILE", type=options.weights_file,
                        help="write the handmade side's final weights (.npz/.pt)")
    parser.add_argument("--print-every", type=options.positive_int, default=None,
                        help="print the losses every N epochs (default: about 10 lines)")
    parser.add_argument("--no-resync", action="store_true", help="do not re-synchronise if the runs part")
    options.add_json(parser)


def run(args) -> int:
    options.distinct_outputs(args, "json", "save-weights")
    X, Y = load_xy(args.data)
    spec = MLPSpec(sizes=(X.shape[1], *args.hidden, Y.shape[1]), activation=args.activation,
                   output_activation=args.output_activation, loss=args.loss, init=args.init, seed=args.seed,
                   dtype=args.dtype)
    plan = TrainPlan(optimizer=args.optimizer, lr=args.lr, epochs=args.epochs, batch_size=args.batch_size,
                     seed=args.seed, stop_loss=args.stop_loss, patience=args.patience)
    plan.check_rows(len(X))
    params = None
    if args.init_from:
        params = load_weights(args.init_from, spec.sizes, spec.dtype)
    # torch: only once the inputs are known to be good (--help and bad input answer without it)
    from compare.trajectory.training import compare_training, final_predictions

    c = compare_training(spec, X, Y, plan, params=params, resync=not args.no_resync)
    batches = "full batch" if plan.batch_size is None else f"batch {plan.batch_size}"
    start = f"weights from {args.init_from}" if args.init_from else f"init={spec.init} seed={spec.seed}"
    print(f"{'-'.join(map(str, spec.sizes))} {spec.activation}/{spec.output_activation} {spec.loss}, {start}, "
          f"{spec.dtype}; {plan.optimizer} lr={plan.lr:g}, {plan.epochs} epochs, {batches}")
    _print_losses(c, args.print_every or max(1, plan.epochs // 10))
    mine, theirs = final_predictions(c, X)
    _print_predictions(mine, theirs, Y)

    verdict = "MATCH" if c.matched else "MISMATCH"
    print(f"\nverdict: {verdict} ({c.status}): {c.reason}")
    print(f"worst per-epoch rel diff {c.worst_rel_diff:.2e} (epoch {c.worst_epoch}), tolerance {c.tolerance:g}; "
          f"final parameter rel diff {c.param_rel_diff:.2e}, distance {c.param_distance:.2e}; "
          f"growth {c.growth.label}")
    with OutputSet() as outputs:  # the weights and the JSON of one run: both, or neither
        if args.save_weights:
            save_weights(args.save_weights, c.histories[0].final_params, outputs)
        if args.json:
            summary = {"checks": 1, "failed": 0 if c.matched else 1, "worst_rel_diff": c.checked_rel_diff}
            outputs.write_json(args.json, {"summary": summary, "comparison": c.to_dict(),
                                           "predictions": {"handmade": mine, "torch": theirs, "target": Y}})
    if args.save_weights:
        print(f"handmade final weights written to {args.save_weights}")
    return 0 if c.matched else 1


def _print_losses(c, every: int) -> None:
    """Both sides' loss every ``every`` epochs (and the first and last), with their difference."""
    handmade, reference = c.histories
    n = max(len(handmade.loss), len(reference.loss))
    rows = []
    for epoch in sorted({1, *range(every, n + 1, every), n}):
        lh = handmade.loss[epoch - 1] if epoch <= len(handmade.loss) else None
        lt = reference.loss[epoch - 1] if epoch <= len(reference.loss) else None
        rel = c.rel_diff[epoch - 1] if epoch <= len(c.rel_diff) else None
        rows.append([epoch, _num(lh), _num(lt), rel])
    print(text_table(["epoch", "handmade loss", "torch loss", "rel diff"], rows))
    for side, history in (("handmade", handmade), ("torch", reference)):
        if history.stop_reason != STOP_EPOCHS:
            print(f"{side} stopped after epoch {history.epochs_run}: {history.stop_reason}")


def _print_predictions(mine, theirs, Y, rows: int = 12) -> None:
    """The first ``rows`` predictions of both sides next to the targets, and how far apart they are."""
    print("\nfinal predictions on the training data (rows):")
    table = [[i, _vec(Y[i]), _vec(mine[i]) if mine is not None else "diverged",
              _vec(theirs[i]) if theirs is not None else "diverged"] for i in range(min(len(Y), rows))]
    print(text_table(["row", "target", "handmade", "torch"], table))
    if len(Y) > rows:
        print(f"... {len(Y) - rows} more rows")
    if mine is not None and theirs is not None:
        agree = float(np.max(np.abs(mine - theirs)))
        print(f"max |handmade - torch| over all predictions: {agree:.2e} (relative {rel_diff(mine, theirs):.2e})")


def _num(x):
    return None if x is None else float(x)


SHOWN_OUTPUTS = 6  # per prediction row: a wide output layer would make ~1000-character rows


def _vec(row) -> str:
    """``[0.998, 0.002, 0.000]``, or in scientific notation when the row's largest value is outside
    [1e-3, 1e5) (a diverging run predicts 1e150: fixed notation would print 150 digits); at most
    SHOWN_OUTPUTS values."""
    values = [float(v) for v in row[:SHOWN_OUTPUTS]]
    scale = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    fixed = scale == 0 or 1e-3 <= scale < 1e5
    shown = ", ".join(f"{v:.3f}" if fixed else f"{v:.3e}" for v in values)
    more = f", ... ({len(row) - SHOWN_OUTPUTS} more)" if len(row) > SHOWN_OUTPUTS else ""
    return f"[{shown}{more}]"
