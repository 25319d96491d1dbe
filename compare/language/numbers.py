"""Numbers as each language writes them: English ``0.0012``, ``5.5e-16``; Russian ``0,0012``, ``5,5·10⁻¹⁶``.

Russian takes a decimal comma, scientific notation as ``·10`` with a superscript exponent,
the minus sign "−" (U+2212, not the hyphen) and ``12 345`` with a no-break space between
thousands (4-digit numbers stay whole: ``1234``). :func:`localize` turns a number written
the English (Python) way into the Russian one, so that any format spec (``{c:.6g}``,
``{rel:.2e}``) can be used in a template of either language; :func:`num` is the reports'
number: ints as they are, floats to 3 significant digits.
"""

from __future__ import annotations

import math
import re

DIGITS = 3
NBSP = "\u00a0"
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_SCIENTIFIC = re.compile(r"([-+]?\d+(?:\.\d*)?)e([-+]?\d+)")
_INTEGER = re.compile(r"-?\d+")


def _group_thousands(text: str) -> str:
    """"12345" -> "12 345" (no-break space), Russian style; 4-digit numbers stay whole ("1234")."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if len(digits) <= 4:
        return text
    groups = []
    while digits:
        digits, groups = digits[:-3], [digits[-3:], *groups]
    return sign + NBSP.join(groups)


def localize(text: str, lang: str) -> str:
    """A number written the English way (``str``, ``format``, ``%g``) as ``lang`` writes it.

    >>> localize("-1.5e-05", "ru"), localize("7.5", "ru"), localize("12345", "ru"), localize("inf", "ru")
    ('−1,5·10⁻⁵', '7,5', '12 345', '∞')
    """
    if lang == "en":
        return text
    if text in ("inf", "-inf"):
        text = text.replace("inf", "∞")
    elif match := _SCIENTIFIC.fullmatch(text):
        mantissa, exponent = match.groups()
        text = f"{mantissa.rstrip('.').replace('.', ',')}·10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    elif _INTEGER.fullmatch(text):
        text = _group_thousands(text)
    else:
        text = text.replace(".", ",")
    return "−" + text[1:] if text.startswith("-") else text


def _float(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent):+03d}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def num(value, lang: str = "en", digits: int = DIGITS) -> str:
    """A number in a report: ints as they are, floats to ``digits`` significant digits, None as "—", a
    string as it is, booleans as yes/no (да/нет)."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return {"en": ("no", "yes"), "ru": ("нет", "да")}[lang][value]
    if isinstance(value, int):
        return localize(str(value), lang)
    value = float(value)
    if value.is_integer() and abs(value) < 1e4:
        return str(int(value))
    return localize(_float(value, digits), lang)
