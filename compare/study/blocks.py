"""The report's building blocks and the one number format they share.

Task modules describe their section as a list of blocks; ``report.py`` renders
the same list to Markdown and to self-contained HTML. Every number in a block
goes through :func:`num` or :func:`pct`, so the tests can parse the report back
and find each number in ``results.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

from compare.present.numbers import fmt


def num(value) -> str:
    """Floats as ``compare.table.fmt`` (4 significant digits, or 2 decimals in e-notation); ints as is."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return fmt(value)
    if isinstance(value, int):
        return str(value)
    return fmt(float(value))


def pct(share) -> str:
    """A share in [0, 1] as a whole percentage: 0.95 -> "95%"."""
    return "-" if share is None else f"{100 * float(share):.0f}%"


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # already formatted with num/pct


@dataclass
class Figure:
    file: str      # relative to the output directory
    caption: str
