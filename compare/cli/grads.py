"""``mlp-parity grads``: one-step forward and gradient parity over the registries."""

from __future__ import annotations

from compare.cli import options
from compare.files.atomic import write_json
from compare.measure.records import summarize
from compare.measure.tolerance import TOLERANCES
from compare.present.tables import text_table
from handmade.activations import ACTIVATIONS, Activation
from handmade.init import Initialiser
from handmade.losses import LOSSES, get_loss

DEFAULT_INITS = ("torch_default", "xavier_uniform", "kaiming_normal")

NAME = "grads"
SUMMARY = "one-step forward/gradient parity of every activation x loss x init, vs torch and finite differences"
EXAMPLES = f"""\
examples:
  mlp-parity grads                                  # everything, float64 and float32
  mlp-parity grads --dtype float64 --activations relu,sigmoid --json grads.json
  mlp-parity grads --verbose --losses half_sse      # one row per case

Each case builds both networks from the same initial weights, runs one
forward/backward on the same batch and compares every tensor: the
pre-activations z[l], activations a[l], output, loss, dL/ds, dL/dz[l],
every weight and bias gradient and dL/dX. 'rel' is max|a-b| / max(|a|,|b|)
per tensor; the pass bar is {options.STEP["float64"]} in float64 and {options.STEP["float32"]} in float32.
'fd' is the central-difference check of the handmade gradients (float64,
first init), not counted for kinked activations (relu, leaky_relu, elu).
"""


def configure(parser):
    parser.epilog = EXAMPLES
    parser.add_argument("--activations", type=options.list_of(options.checked_names("activation", Activation)),
                        default=list(ACTIVATIONS), help="comma-separated (default: all: %(default)s)")
    parser.add_argument("--losses", type=options.list_of(options.checked_names("loss", get_loss)),
                        default=list(LOSSES), help="comma-separated (default: all: %(default)s)")
    parser.add_argument("--inits", type=options.list_of(options.checked_names("initialiser", Initialiser)),
                        default=list(DEFAULT_INITS),
                        help="comma-separated (default: %(default)s)")
    parser.add_argument("--output-activation", default="identity",
                        type=options.checked_names("activation", Activation),
                        help="activation of the output layer for the regression losses (default: identity; the "
                             "lesson used relu); ce and bce cases use their own link, softmax and sigmoid")
    options.add_dtype(parser, "both")
    parser.add_argument("--no-fd", action="store_true", help="skip the finite-difference check")
    parser.add_argument("--verbose", action="store_true", help="one table row per case instead of per group")
    options.add_json(parser)


def run(args) -> int:
    from compare.step.suite import run_suite  # torch: only when the command runs

    cases = run_suite(args.activations, args.losses, args.inits, args.dtype,
                      output_activation=args.output_activation, finite_differences=not args.no_fd)
    rows = []
    if args.verbose:
        for case in cases:
            worst = case.worst
            fd = max((c.rel_error for c in case.fd), default=None)
            rows.append([case.net, case.spec.activation, case.spec.loss, case.spec.init, case.spec.dtype,
                         case.summary["checks"], worst.max_rel_diff, worst.name, fd,
                         "ok" if case.summary["failed"] == 0 else "FAIL"])
        headers = ["net", "activation", "loss", "init", "dtype", "checks", "worst rel", "worst tensor",
                   "fd rel", "status"]
    else:
        groups: dict[tuple, list] = {}
        for case in cases:
            groups.setdefault((case.net, case.spec.activation, case.spec.dtype), []).append(case)
        for (net, activation, dtype), group in groups.items():
            worst_case = max(group, key=lambda c: c.worst.max_rel_diff)
            fds = [c for case in group for c in case.fd]
            fd = max((c.rel_error for c in fds), default=None)
            failed = sum(case.summary["failed"] for case in group)
            rows.append([net, activation, dtype, len(group), sum(case.summary["checks"] for case in group),
                         worst_case.worst.max_rel_diff,
                         f"{worst_case.worst.name} ({worst_case.spec.loss}, {worst_case.spec.init})",
                         fd if fd is None or all(c.counted for c in fds) else f"{fd:.1e}*",
                         "ok" if failed == 0 else f"FAIL ({failed})"])
        headers = ["net", "activation", "dtype", "cases", "checks", "worst rel", "where", "fd rel", "status"]
    print(text_table(headers, rows))
    summary = summarize([r for case in cases for r in case.records + case.fd])
    by_dtype = {dtype: summarize([r for case in cases if case.spec.dtype == dtype for r in case.records])
                for dtype in args.dtype}
    # worst_rel_diff is the worst difference against torch; finite-difference errors are a separate figure.
    summary["worst_rel_diff"] = max(s["worst_rel_diff"] for s in by_dtype.values())
    summary["worst_rel_diff_by_dtype"] = {dtype: s["worst_rel_diff"] for dtype, s in by_dtype.items()}
    summary["worst_finite_difference"] = max((c.rel_error for case in cases for c in case.fd if c.counted),
                                             default=None)
    print()
    if not args.verbose:
        print("fd rel marked * : kinked activation, shown but not counted")
    print(f"{summary['checks']} comparisons, {summary['failed']} failed")
    for dtype, s in by_dtype.items():
        print(f"  {dtype}: worst relative difference vs torch {s['worst_rel_diff']:.2e} "
              f"(tolerance {TOLERANCES[dtype].step:g})")
    if summary["worst_finite_difference"] is not None:
        print(f"  finite differences (float64, smooth activations): worst relative error "
              f"{summary['worst_finite_difference']:.2e} (tolerance {TOLERANCES['float64'].finite_diff:g})")
    if args.json:
        write_json(args.json, {"summary": summary, "tolerances": {k: v.to_dict() for k, v in TOLERANCES.items()},
                               "cases": [case.to_dict() for case in cases]})
    return 0 if summary["failed"] == 0 else 1
