"""The report's building blocks and the number formats they share.

Task modules describe their section as a list of blocks; ``report.py`` renders
the same list to Markdown and to self-contained HTML. Every number in a block
goes through :func:`num`, :func:`pct` or :func:`interval`, so the tests can
parse the English report back and find each number in ``results.json``.

Numbers follow the report's language: English ``0.0012``, ``5.5e-16``,
``[42, 49]``; Russian ``0,0012``, ``5,5·10⁻¹⁶``, ``[42; 49]`` (a decimal comma,
so an interval's ends are separated by a semicolon) and ``12 345`` with a
no-break space between thousands. Floats keep 3 significant digits: enough to
compare, few enough to read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

DIGITS = 3
NBSP = "\u00a0"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _group_thousands(text: str) -> str:
    """"12345" -> "12 345" (no-break space), Russian style; 4-digit numbers stay whole ("1234")."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if len(digits) <= 4:
        return text
    groups = []
    while digits:
        digits, groups = digits[:-3], [digits[-3:], *groups]
    return sign + NBSP.join(groups)


def _float(value: float, lang: str, digits: int) -> str:
    if value == 0:
        return "0"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        if lang == "ru":
            return f"{mantissa.replace('.', ',')}·10{str(int(exponent)).translate(_SUPERSCRIPT)}"
        return f"{mantissa}e{int(exponent):+03d}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "ru" else text


def num(value, lang: str = "en", digits: int = DIGITS) -> str:
    """A number in the report: ints as they are, floats to ``digits`` significant digits; None as "—".

    Russian negatives take the minus sign "−" (U+2212), not the hyphen.
    """
    text = _num(value, lang, digits)
    return "−" + text[1:] if lang == "ru" and text.startswith("-") else text


def _num(value, lang: str, digits: int) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return {"en": ("no", "yes"), "ru": ("нет", "да")}[lang][value]
    if isinstance(value, int):
        return _group_thousands(str(value)) if lang == "ru" else str(value)
    value = float(value)
    if value.is_integer() and abs(value) < 1e4:
        return str(int(value))
    return _float(value, lang, digits)


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
