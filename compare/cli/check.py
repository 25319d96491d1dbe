"""``mlp-parity check``: someone's hand-written MLP class against torch, with a diagnosis of every mismatch."""

from __future__ import annotations

import argparse
import math

from compare.cli import options
from compare.files.atomic import write_json

# Also CheckConfig's default (compare.check.results.DEFAULT_TIMEOUT); repeated here because
# importing compare.check would import torch, and --help must not.
DEFAULT_TIMEOUT = 20.0

NAME = "check"
SUMMARY = "test your own NumPy MLP class (FILE.py:CLASS) against torch and say what is wrong"
EXAMPLES = """\
examples:
  mlp-parity check student.py:NeuralNetwork                      # the lesson interface, mse, relu
  mlp-parity check student.py:NeuralNetwork --loss half-sum --output-activation relu
  mlp-parity check student.py:NeuralNetwork --activation sigmoid --dtype float64 --json check.json
  mlp-parity check handmade.model:MLP --interface protocol      # this project's own network
  mlp-parity check slow_loops.py:Net --timeout 120              # allow 2 minutes per call

WARNING: FILE.py is executed (imported) with your permissions, like `python FILE.py`
would: check only code you trust.

The class is built and given the shared initial weights (MLPSpec(seed=0).init_params()),
then compared with torch.nn on one batch (the 3 letters + 2 noisy copies, N = 5):
the forward output, every gradient (walking back from the output), whether the
gradients use the targets, whether backward reads a stale cache, one step of
train(X, Y, 1, lr) and a short run against torch.optim.SGD, and whether the loss
train returns or prints is the loss being differentiated. Each failure gets a
diagnosis computed from the arrays: a constant factor (and what it means: sum vs
mean, a missing 2, a missing 1/N), a flipped sign, a transposed or per-sample
gradient, a missing or misplaced activation derivative, a wrong leaky slope, a
bias left out of the forward, finite differences of your own forward (backward
right, forward differs) and the first wrong layer.

Your code cannot crash or hang the check: an exception, sys.exit(), or a call that
does not return within --timeout seconds (an endless loop) is a finding on the check
that made the call ("forward did not return within 20 s"), and the other checks run.
A call that timed out is not repeated. Ctrl-C still stops the tool (exit code 130).

lesson interface: Cls(input_size, hidden_size, output_size); attributes W1, b1, W2,
b2 with weights (in, out) and biases (1, n); forward(X) -> output;
backward(X, Y, output) -> (dW1, db1, dW2, db2); train(X, Y, num_epochs, learning_rate).
protocol: Cls(sizes=..., activation=..., output_activation=..., loss=...); params dict
in torch layout; forward(X); backward(Y) -> dict of gradients (see the README).

exit codes: 0 everything matches, 1 a check failed, 2 bad usage (missing file, no such class),
            130 interrupted (Ctrl-C)
"""


def timeout_seconds(text: str) -> float:
    """``--timeout``: seconds per call, >= 0 (0: no limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a number of seconds >= 0 (0: no limit)")
    return value


def configure(parser):
    parser.epilog = EXAMPLES
    parser.add_argument("target", metavar="FILE.py:CLASS",
                        help="your class: path/to/file.py:ClassName (the file is executed) or package.module:Class")
    parser.add_argument("--interface", choices=("auto", "lesson", "protocol"), default="auto",
                        help="how to drive the class (default: auto: protocol if the constructor takes 'sizes', "
                             "else lesson)")
    options.add_loss(parser, help="the loss your class implements: mse (mean), sse (sum) or half_sse (half-sum, "
                                  "1/2 sum (s - y)^2) (default: mse)")
    options.add_activations(parser, hidden_help="hidden activation your class uses (default: relu)",
                            output_help="output activation your class uses: identity or relu (default: identity)")
    parser.add_argument("--hidden", type=options.positive_int, default=16, help="hidden layer size (default: 16)")
    parser.add_argument("--lr", type=options.positive_float, default=0.1, help="learning rate of the training "
                                                                           "checks (default: 0.1)")
    parser.add_argument("--epochs", type=options.positive_int, default=10,
                        help="epochs of the short training run (default: 10)")
    options.add_dtype(parser, "both")
    parser.add_argument("--timeout", metavar="SECONDS", type=timeout_seconds, default=DEFAULT_TIMEOUT,
                        help=f"time limit on each call into your code (forward, backward, one train call, "
                             f"loading the file); a call that exceeds it is a finding (default: "
                             f"{DEFAULT_TIMEOUT:g}; 0: no limit)")
    options.add_json(parser)


def run(args) -> int:
    from compare.check import CheckConfig, render, run_check, to_json  # torch: only when the command runs

    config = CheckConfig(interface=args.interface, hidden=args.hidden, activation=args.activation,
                         output_activation=args.output_activation, loss=args.loss, dtypes=tuple(args.dtype),
                         lr=args.lr, epochs=args.epochs, timeout=args.timeout or None)
    report = run_check(args.target, config)
    print(render(report))
    if args.json:
        write_json(args.json, to_json(report))
    return 0 if report.passed else 1
