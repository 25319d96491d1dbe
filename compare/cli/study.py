"""``mlp-parity study``: the lesson end to end, both implementations side by side, with a report."""

from __future__ import annotations

from compare.cli import options
from compare.files.atomic import OutputSet

NAME = "study"
SUMMARY = "the lesson end to end: the three tasks and the theory, measured on both sides, as a report (main job)"
EXAMPLES = """\
examples:
  mlp-parity study                        # full study into ./study (about 20-30 s on 2 cores)
  mlp-parity study --lang ru --out study-ru
  mlp-parity study --quick --out /tmp/s   # reduced version (few seeds and epochs), a few seconds
  mlp-parity study --seed 3 --json s.json

Writes DIR/report.md, DIR/report.html (self-contained, figures embedded),
DIR/results.json (every number; wall-clock numbers only under "timings")
and DIR/figures/*.png. Task 1 trains the lesson's 30-16-3 ReLU/MSE network
on the letters a, b, c; task 2 compares initialisation schemes over many
seeds; task 3 plots loss against epoch for several learning rates and
activations; the theory part draws activations and derivatives, vanishing
gradients, the collapse of a net without activations, and times ReLU
against sigmoid. Every training run and tensor is also computed by torch
from the same initial weights and compared: exit code 1 if any comparison
is outside the tolerance of compare/measure/tolerance.py.
"""


def configure(parser):
    parser.epilog = EXAMPLES
    parser.add_argument("--out", default="study", metavar="DIR", type=options.output_dir,
                        help="output directory, created if missing; files the tool did not write are left alone "
                             "(default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="reduced study: few seeds and epochs (for tests)")
    options.add_lang(parser, "report language (figures always label both)")
    parser.add_argument("--seed", type=options.nonnegative_int, default=0,
                        help="base seed: fixes every initial weight and noisy sample (default: %(default)s)")
    options.add_json(parser)


def command_line(args) -> str:
    """The command that reproduces these numbers (neither the output directory nor the language changes them)."""
    parts = ["mlp-parity study"]
    if args.quick:
        parts.append("--quick")
    if args.seed:
        parts.append(f"--seed {args.seed}")
    return " ".join(parts)


def run(args) -> int:
    from compare.study import StudyConfig, run_study, summary_lines  # torch: only when the command runs

    cfg = StudyConfig.quick_preset(args.seed) if args.quick else StudyConfig.full(args.seed)
    with OutputSet() as outputs:  # the study's directory and --json: replaced together, or not at all
        out = run_study(cfg, args.out, lang=args.lang, command=command_line(args), outputs=outputs)
        if args.json:
            outputs.write_json(args.json, out.results)
    for line in summary_lines(out, args.lang):
        print(line)
    return 0 if out.summary["failed"] == 0 else 1
