"""Argument types shared by the subcommands: they fail as one-line usage errors."""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from handmade.errors import InvalidInput
from handmade.naming import split_list


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


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


def dtypes(text: str) -> list[str]:
    choices = {"float64": ["float64"], "float32": ["float32"], "both": ["float64", "float32"]}
    if text not in choices:
        raise argparse.ArgumentTypeError(f"{text!r}: choose float64, float32 or both")
    return choices[text]


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest existing ancestor: the tool creates missing directories, so that one is checked."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def output_file(text: str) -> str:
    """A file the tool will write: refuse a directory, or a place no file can be created, before any work."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory; give a file name")
    parent = _nearest_existing(path.parent)
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {str(parent)!r} is not a writable directory")
    return text


def output_dir(text: str) -> str:
    """A directory the tool will write into (created if missing): refuse a file or an unwritable place."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} exists and is not a directory")
    nearest = _nearest_existing(path)
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write into {text!r}: {str(nearest)!r} is not writable")
    return text


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", metavar="PATH", type=output_file,
                        help="also write every number as JSON (top-level 'summary': checks, failed, "
                             "worst_rel_diff)")
