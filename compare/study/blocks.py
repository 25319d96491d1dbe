"""The report's building blocks and the number formats they share.

Task modules describe their section as a list of blocks; ``report.py`` renders
the same list to Markdown and to self-contained HTML. Every number in a block
goes through :func:`num`, :func:`pct` or :func:`interval`, so the tests can
parse the English report back and find each number in ``results.json``.

Numbers follow the report's language: English ``0.0012``, ``5.5e-16``,
``[42, 49]``; Russian ``0,0012``, ``5,5·10⁻¹⁶``, ``[42; 49]`` (a decimal comma,
so an interval's ends are separated by a semicolon) and ``12 345`` with a
no-break space between thousands. Floats keep 3 significant digits: enough to
compare, few enough to read. :func:`num` is ``compare.language.numbers.num``, shared with
``mlp-parity check``.
"""

from __future__ import annotations

from dataclasses import dataclass

from compare.language.numbers import num

__all__ = ["Figure", "Heading", "Para", "Table", "interval", "num", "pct", "pct_interval"]


def pct(share, lang: str = "en") -> str:
    """A share in [0, 1] as a whole percentage: 0.95 -> "95%"; shares that round to 0 or 100 but are not say so."""
    if share is None:
        return "—"
    value = 100 * float(share)
    if 0 < value < 0.5:
        return "<1%"
    if 99.5 <= value < 100:
        return ">99%"
    return f"{value:.0f}%"


def interval(lo, hi, lang: str = "en", fmt=num) -> str:
    """A 95% interval: "[42, 49]" in English, "[42; 49]" in Russian (the comma is the decimal sign there)."""
    sep = "; " if lang == "ru" else ", "
    return f"[{fmt(lo, lang)}{sep}{fmt(hi, lang)}]"


def pct_interval(lo, hi, lang: str = "en") -> str:
    """A share's interval in percent: "[96%, 100%]"."""
    return interval(lo, hi, lang, fmt=pct)


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
