"""Plain-text and Markdown tables for the terminal and the reports."""

from __future__ import annotations


def fmt(value, digits: int = 2) -> str:
    """Numbers in a compact scientific form; everything else as str."""
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


def text_table(headers: list[str], rows: list[list]) -> str:
    """A fixed-width table, columns padded to their widest cell."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def markdown_table(headers: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured Markdown table; a ``|`` inside a cell is escaped."""
    def line(cells) -> str:
        return "| " + " | ".join(fmt(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "|".join("---" for _ in headers) + "|", *map(line, rows)])
