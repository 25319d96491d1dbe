"""The ``mlp-parity`` command line: subcommands, exit codes and error handling.

Exit codes: 0 everything matches; 1 a parity check failed; 2 bad usage or bad
input (one line on stderr, no traceback); 3 not checked (``check`` could not drive
the class); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM). The console script
starts in ``compare.cli.entry``, which installs the signal handlers before this
module (and numpy) is imported.

Subcommands live one per module in ``compare/cli/``; each module defines
``NAME``, ``SUMMARY``, ``configure(parser)`` and ``run(args) -> int``, and
imports nothing heavy at module level, so ``--help`` never imports torch.
"""

from __future__ import annotations

import argparse
import sys

from compare.cli import bench, check, grads, plot, study, sweep, train
from compare.files import interrupts
from handmade.contract.errors import InvalidInput

COMMANDS = (study, grads, train, sweep, plot, check, bench)  # in display order

DESCRIPTION = """\
Prove that a hand-written NumPy MLP and a torch.nn MLP, started from the same
weights, compute the same outputs, gradients and loss curves - and find the
first place where they part.

exit codes: 0 all comparisons match, 1 a parity check failed,
            2 bad usage or input, 3 not checked (check could not drive the class),
            130 interrupted (Ctrl-C), 143 terminated (SIGTERM)
"""


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (and exit code 2), and no abbreviated options.

    argparse would take ``check FILE --out DIR`` as ``--output-activation DIR`` (a
    prefix of one option) and report a bad activation: an option is spelled in full.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allow_abbrev=False, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> Parser:
    parser = Parser(prog="mlp-parity", description=DESCRIPTION,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMANDS:
        child = sub.add_parser(module.NAME, help=module.SUMMARY, description=module.SUMMARY,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        module.configure(child)
        child.set_defaults(_run=module.run)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args))
    except InvalidInput as exc:
        print(f"mlp-parity {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head` (an OSError: must come first)
        return 0
    except OSError as exc:  # a path the user named cannot be read or written (the writers name it as given)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"mlp-parity {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (interrupts.Terminated) once entry.py installed it
        return interrupts.report(args.command, exc)
