"""``mlp-parity check``: someone's hand-written MLP class against torch, with a diagnosis of every mismatch."""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

from compare.check import CheckConfig, render, to_json
from compare.cli import gradebook, options
from compare.files.atomic import write_json
from compare.gradebook.submissions import CHECKED, is_batch, is_checkable
from compare.sandbox.loading import split_target
from handmade.contract.errors import InvalidInput

# Also CheckConfig's defaults (compare.check.results); repeated here because importing compare.check
# would import torch, and --help must not.
DEFAULT_TIMEOUT = 20.0
DEFAULT_MEMORY_GIB = 2.0
NOT_CHECKED = 3  # exit code: the tool could not drive the class (not the same as "wrong")

NAME = "check"
SUMMARY = "test your own NumPy MLP class (FILE.py[:CLASS] or NOTEBOOK.ipynb[:CLASS]) against torch"
EXAMPLES = """\
examples:
  mlp-parity check student.py:NeuralNetwork                 # mse loss, relu hidden layer
  mlp-parity check student.py                               # the one network class in the file
  mlp-parity check homework.ipynb:Net --loss bce --output-activation sigmoid
  mlp-parity check nielsen.py:Network --loss half_sse_n --activation sigmoid --output-activation sigmoid
  mlp-parity check net.py:MLP --init-args "learning_rate=0.05, reg=0"
  mlp-parity check slow_loops.py:Net --timeout 120 --memory-limit 4   # 2 minutes per call, 4 GiB
  mlp-parity check student.py --lang ru --json check.json

WARNING: your file is executed with your permissions (in a child process of its
own: time-limited, memory-limited, its output captured): check only code you trust.

How the class is understood (printed first, so a wrong guess is visible): it is
built with the checker's sizes (constructor parameters are read by name - input
/hidden/output sizes, a sizes list, a learning rate - then tried by position);
its parameters are found wherever they live (attributes, dicts, lists, layer
objects) by their shapes, in either orientation, with or without biases; its
forward is the method whose output depends on every weight (inputs as rows,
columns, or one sample at a time); its gradients come from what a backward-like
method returns, the attributes it sets, or the update it makes. Where that is
not enough, --init-args fixes the constructor and --class names the class.

Then, from shared initial weights, on one batch (the 3 letters + 2 noisy copies,
N = 5): the forward output, every gradient (walking back from the output),
whether the gradients use the targets, whether backward reads a stale cache, one
training step and a short run against torch.optim.SGD, and whether the loss that
train returns or prints is the loss being differentiated. Each failure gets a
diagnosis computed from the arrays: a constant factor and what it means (sum vs
mean, a missing 2, a missing 1/N), a flipped sign, a transposed or per-sample
gradient, a missing or misplaced activation derivative, a wrong leaky slope, a
bias left out of the forward, finite differences of your own forward, and the
first wrong layer.

Your code cannot crash, hang or fool the check: an exception, sys.exit(), a call
that does not return within --timeout seconds, or a process that dies is a
finding on the check that made the call, and the other checks run.

exit codes: 0 everything matches, 1 a check failed (a finding), 2 bad usage,
            3 not checked (the tool could not drive the class: the report says what
            would help), 130 interrupted (Ctrl-C), 143 terminated
"""


timeout_seconds = options.limit_in("seconds")
gibibytes = options.limit_in("GiB")


def init_args(text: str) -> tuple:
    """``"learning_rate=0.1, reg=0"`` -> (("learning_rate", 0.1), ("reg", 0)); values are Python literals."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
        if not isinstance(call, ast.Call) or call.args:
            raise ValueError
        pairs = tuple((kw.arg, ast.literal_eval(kw.value)) for kw in call.keywords)
    except (SyntaxError, ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"{text!r}: expected name=value pairs, e.g. \"learning_rate=0.1, "
                                         "hidden=[16]\" (values are numbers, strings, lists)") from None
    if any(name is None for name, _ in pairs):
        raise argparse.ArgumentTypeError(f"{text!r}: expected name=value pairs (no **)")
    return pairs


def configure(parser):
    parser.epilog = EXAMPLES
    parser.add_argument("target", metavar="FILE[:CLASS]", nargs="+",
                        help="your class: file.py:ClassName, file.py (its one network class), notebook.ipynb[:Class] "
                             "(its definitions are run, not its training cells) or package.module:Class; several "
                             "files, a folder or a glob: a gradebook of them all (see --out)")
    parser.add_argument("--class", dest="class_name", metavar="NAME", help="the class to check (instead of :CLASS)")
    options.add_loss(parser, help="the loss your class implements (default: mse; see `mlp-parity grads --help` "
                                  "for the list)")
    options.add_activations(parser, hidden_help="hidden activation your class uses (default: relu)",
                            output_help="output activation your class uses (default: identity; with a "
                                        "classification loss its link: softmax for ce, sigmoid for bce)",
                            output_default=None)
    parser.add_argument("--hidden", type=options.list_of(options.positive_int), default=None,
                        help="hidden layer widths to build the class with (default: 16, or one width per "
                             "hidden-size parameter of the constructor)")
    parser.add_argument("--init-args", type=init_args, default=(), metavar="NAME=VALUE,...",
                        help="constructor arguments to use as given, e.g. \"learning_rate=0.1, reg=0\"")
    parser.add_argument("--adapter", metavar="GLUE.py", type=options.input_file,
                        help="a glue file that says how to build your class, where its weights are and how to "
                             "get its output and gradients, instead of discovery (template: "
                             "examples/adapter_template.py); it is executed too")
    parser.add_argument("--lr", type=options.positive_float, default=0.1, help="learning rate of the training "
                                                                             "checks (default: 0.1)")
    parser.add_argument("--epochs", type=options.positive_int, default=10,
                        help="epochs of the short training run (default: 10)")
    options.add_dtype(parser, "both")
    parser.add_argument("--timeout", metavar="SECONDS", type=timeout_seconds, default=DEFAULT_TIMEOUT,
                        help=f"time limit on each call into your code; a call that exceeds it is a finding "
                             f"(default: {DEFAULT_TIMEOUT:g}; 0: no limit)")
    parser.add_argument("--memory-limit", metavar="GIB", type=gibibytes, default=DEFAULT_MEMORY_GIB,
                        help=f"memory the process running your code may take, in GiB (default: "
                             f"{DEFAULT_MEMORY_GIB:g}; 0: no limit; enforced on Linux)")
    options.add_lang(parser, "language of the report card (of a gradebook: its page and summary): en, or ru "
                             "(the lesson's; JSON and CSV stay English)")
    options.add_json(parser)
    gradebook.configure(parser)


def run(args) -> int:
    config = CheckConfig(hidden=tuple(args.hidden or (16,)), hidden_given=args.hidden is not None,
                         activation=args.activation, output_activation=args.output_activation, loss=args.loss,
                         dtypes=tuple(args.dtype), lr=args.lr, epochs=args.epochs, timeout=args.timeout or None,
                         memory=int(args.memory_limit * 2**30) or None, class_name=args.class_name,
                         init_args=args.init_args, adapter=args.adapter)
    if is_batch(args.target) or args.out is not None:   # --out DIR: a gradebook, even of one file
        return gradebook.run_batch(args, config)
    target = args.target[0]
    where, _ = split_target(target)
    if is_checkable(where) and not Path(where).is_file():  # said before torch is imported
        raise InvalidInput(f"no such file: {where}")
    if Path(where).is_file() and Path(where).suffix and not is_checkable(where):   # a module name has no suffix
        raise InvalidInput(f"{where} is not a Python file or notebook (checked: {', '.join(CHECKED)})")
    from compare.check.checker import run_check  # torch: only when the command runs

    report = run_check(target, config)
    print(render(report, args.lang))
    if args.json:
        write_json(args.json, to_json(report))
    return {"passed": 0, "failed": 1}.get(report.status, NOT_CHECKED)
