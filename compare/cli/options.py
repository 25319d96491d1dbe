"""Argument types and option groups shared by the subcommands.

Types fail as one-line usage errors (exit code 2). An option that several commands
take (``--dtype``, ``--json``, ``--data``, the network's activations and loss) is
declared once here, so that it reads and behaves the same everywhere.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from compare.files.weights import check_weights_path
from compare.language.catalogue import LANGS
from compare.measure.tolerance import TOLERANCES, loss_floor_fraction, short
from handmade.activations import Activation
from handmade.contract.errors import InvalidInput
from handmade.contract.naming import split_list
from handmade.losses import LOSSES, get_loss


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


def limit_in(unit: str):
    """An argparse type for a limit: a number of ``unit`` >= 0, where 0 means no limit."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} must be a number of {unit} >= 0 (0: no limit)")
        return value

    parse.__name__ = f"number of {unit}"
    return parse


def int_at_least(minimum: int):
    """An argparse type: a whole number >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {minimum}")
        return value

    parse.__name__ = f"whole number >= {minimum}"
    return parse


positive_int = int_at_least(1)
nonnegative_int = int_at_least(0)


def list_of(item_type):
    """A comma-separated list (commas inside parentheses kept), each item parsed by ``item_type``."""

    def parse(text: str) -> list:
        items = split_list(text)
        if not items:
            raise argparse.ArgumentTypeError("expected a comma-separated list, got nothing")
        return [item_type(item) for item in items]

    parse.__name__ = f"list of {getattr(item_type, '__name__', 'items')}"
    return parse


def checked_names(kind: str, resolve):
    """Validate registry names (``resolve`` raises InvalidInput) as an argparse type."""

    def parse(text: str) -> str:
        try:
            resolve(text)
        except InvalidInput as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    parse.__name__ = kind
    return parse


# The tolerance policy in the words of the help texts (read from compare.measure.tolerance, never restated).
STEP = {dtype: short(tol.step) for dtype, tol in TOLERANCES.items()}
TRAJECTORY = {dtype: short(tol.trajectory) for dtype, tol in TOLERANCES.items()}
LOSS_FLOOR = {dtype: short(loss_floor_fraction(dtype)) for dtype in TOLERANCES}
SPREAD_FACTOR = short(TOLERANCES["float64"].spread_factor)

DTYPE_CHOICES = {"float64": ["float64"], "float32": ["float32"], "both": ["float64", "float32"]}


def dtypes(text: str) -> list[str]:
    if text not in DTYPE_CHOICES:
        raise argparse.ArgumentTypeError(f"{text!r}: choose float64, float32 or both")
    return DTYPE_CHOICES[text]


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest existing ancestor: the tool creates missing directories, so that one is checked."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


class OutputPath(os.PathLike):
    """A file the user named for an output: made absolute when the command line is read, shown as typed.

    ``os.fspath`` (so ``Path(p)``, ``open(p)``) gives the absolute path, fixed before any
    work - user code that changes directory (``check`` runs the user's file) cannot move
    it; ``str(p)`` gives the text as the user typed it, for every message.
    """

    def __init__(self, given: str):
        self.given = given
        self.absolute = Path(given).absolute()

    def __fspath__(self) -> str:
        return str(self.absolute)

    def __str__(self) -> str:
        return self.given

    def __repr__(self) -> str:
        return f"OutputPath({self.given!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, OutputPath) and self.absolute == other.absolute

    def __hash__(self) -> int:
        return hash(self.absolute)


def input_file(text: str) -> str:
    """An argparse type for a file that must exist: its absolute path (fixed before any user code runs)."""
    path = Path(text).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return str(path.resolve())


def output_file(text: str) -> OutputPath:
    """A file the tool will write: refuse a directory, or a place no file can be created, before any work."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty file name; give a file name")
    if text == "-":  # the usual spelling of standard output, where the tables go
        raise argparse.ArgumentTypeError("'-' (standard output) is not supported here; give a file name")
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; give a file name")
    parent = _nearest_existing(path.parent)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {str(parent)!r} is not a writable directory")
    return OutputPath(text)


def weights_file(text: str) -> OutputPath:
    """A weight file the tool will write: a known format (.npz, .pt, .pth) in a writable place."""
    try:
        check_weights_path(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return output_file(text)


def distinct_outputs(args, *options: str) -> None:
    """Refuse two output options that name one file (one would silently replace the other)."""
    named = [(option, getattr(args, option.replace("-", "_"))) for option in options]
    named = [(option, path) for option, path in named if path is not None]
    for i, (first, path) in enumerate(named):
        for second, other in named[i + 1:]:
            if path == other:
                raise InvalidInput(f"--{first} and --{second} both name {str(path)!r}; give each its own file")


def output_dir(text: str) -> str:
    """A directory the tool will write into (created if missing): refuse a file or an unwritable place."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory")
    nearest = _nearest_existing(path)
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write into {text!r}: {str(nearest)!r} is not writable")
    return text


def add_lang(parser: argparse.ArgumentParser, help: str) -> None:  # noqa: A002 - argparse's own word
    """``--lang en|ru``: the language of what the command writes (``compare.language``)."""
    parser.add_argument("--lang", choices=LANGS, default="en", help=f"{help}; default: %(default)s")


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", type=output_file,
                        help="also write every number as JSON (top-level 'summary': checks, failed, "
                             "worst_rel_diff)")


def add_dtype(parser: argparse.ArgumentParser, default: str, both: bool = True) -> None:
    """``--dtype``: float64 (the oracle) or float32 (realistic); with ``both``, a list of one or two."""
    if both:
        parser.add_argument("--dtype", type=dtypes, default=DTYPE_CHOICES[default],
                            help=f"float64, float32 or both (default: {default})")
    else:
        parser.add_argument("--dtype", choices=("float64", "float32"), default=default,
                            help=f"(default: {default})")


def add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="FILE", help=".npz (arrays X, Y) or .csv (target columns named y...); "
                                                       "default: the lesson's three letters")


def add_hidden(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hidden", type=list_of(positive_int), default=[16],
                        help="hidden layer widths, comma-separated (default: 16)")


def add_activations(parser: argparse.ArgumentParser, hidden_help: str = "hidden activation (default: relu)",
                    output_help: str = "output activation (default: identity)",
                    output_default: str | None = "identity") -> None:
    """``--activation`` (hidden layers) and ``--output-activation``, checked against the registry."""
    parser.add_argument("--activation", type=checked_names("activation", Activation), default="relu",
                        help=hidden_help)
    parser.add_argument("--output-activation", type=checked_names("activation", Activation),
                        default=output_default, help=output_help)


def add_loss(parser: argparse.ArgumentParser, type=None, help: str | None = None) -> None:  # noqa: A002
    parser.add_argument("--loss", type=type or checked_names("loss", get_loss), default="mse",
                        help=help or f"one of {', '.join(LOSSES)} (default: mse)")
