"""Tables for the terminal and the Markdown reports (rendered by ``tabulate``, numbers by :func:`fmt`)."""

from __future__ import annotations

import csv
import io

from tabulate import tabulate

from compare.present.numbers import fmt


def _cells(rows: list[list]) -> list[list[str]]:
    return [[fmt(c) for c in row] for row in rows]


def text_table(headers: list[str], rows: list[list]) -> str:
    """A fixed-width table, columns padded to their widest cell, a dashed rule under the header."""
    return tabulate(_cells(rows), headers=headers, tablefmt="simple", disable_numparse=True, stralign="left")


def markdown_table(headers: list[str], rows: list[list]) -> str:
    """A GitHub-flavoured Markdown table; a ``|`` inside a cell is escaped."""
    cells = [[c.replace("|", "\\|") for c in row] for row in _cells(rows)]
    return tabulate(cells, headers=[h.replace("|", "\\|") for h in headers], tablefmt="github",
                    disable_numparse=True, stralign="left")


def csv_text(rows: list[dict], columns) -> str:
    """Rows (dicts) as CSV text with ``columns`` in order: None as an empty cell, floats repr'd exactly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buffer.getvalue()
