"""The one number format of tables and reports: compact, scientific where that reads better."""

from __future__ import annotations


def fmt(value, digits: int = 2) -> str:
    """Numbers in a compact scientific form; everything else as str (None as "-", booleans as yes/no)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if value != value:
            return "nan"
        if abs(value) >= 1e4 or abs(value) < 1e-3:
            return f"{value:.{digits}e}"
        return f"{value:.{digits + 2}g}"
    return "-" if value is None else str(value)
