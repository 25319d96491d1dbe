"""The gradebook as a teacher reads it, in English or Russian: the HTML page and the console table.

``gradebook.csv`` and ``gradebook.json`` stay English (data for scripts, like ``check --json``);
the page, every report card on it and the console summary are said in the chosen language,
from the same rows and reports (the reports remember their sentences: ``compare.check.texts``).
"""

from __future__ import annotations

import html

from compare.check.report import result_word, to_html
from compare.check.texts import TEXT
from compare.gradebook.grading import first_wrong, headline, not_checkable
from compare.gradebook.submissions import is_checkable
from compare.language.numbers import localize

COLUMNS = ("submission", "status", "failed", "first_wrong", "seconds", "diagnosis")


def say(key: str, lang: str, **values) -> str:
    return TEXT.text(f"gradebook.{key}", lang, **values)


def headings(lang: str) -> list[str]:
    return [say(f"column.{column}", lang) for column in COLUMNS]


def counts(book, lang: str) -> str:
    """"2 passed, 3 failed, 1 not checked" in ``lang``."""
    return ", ".join(say("count", lang, n=n, status=result_word(status, lang))
                     for status, n in sorted(book.counts().items()))


def shown_rows(book, lang: str) -> list[dict[str, str]]:
    """Every row as the teacher reads it, {column: text} in ``lang`` (what is English data in the CSV is
    said again from the report: the status, the first wrong check, the headline diagnosis)."""
    shown = []
    for r, report in zip(book.rows, book.read_reports):
        first = first_wrong(report) if report is not None else None
        if report is not None:
            diagnosis = headline(report, lang)
        elif not is_checkable(r["submission"]):
            diagnosis = not_checkable(r["submission"], lang)
        else:  # the tool could not use the file (no network class, two of them): its one-line error
            diagnosis = r["diagnosis"]
        shown.append({"submission": r["submission"], "status": result_word(r["status"], lang),
                      "failed": f"{r['failed']}/{r['checks']}",
                      "first_wrong": "-" if first is None else first.param or TEXT.render(first.name, lang),
                      "seconds": say("cached", lang) if r["cached"] else localize(f"{r['seconds']:.1f}", lang),
                      "diagnosis": diagnosis})
    return shown


def to_page(book, lang: str = "en") -> str:
    """One self-contained HTML page: the table (each row links to its card), then every card."""
    e = html.escape
    shown = shown_rows(book, lang)
    head = "".join(f"<th>{e(h)}</th>" for h in headings(lang))
    rows = "".join("<tr>" + "".join(f"<td><a href='#s{i}'>{e(text)}</a></td>" if column == "submission" else
                                    f"<td>{e(text)}</td>" for column, text in row.items()) + "</tr>"
                   for i, row in enumerate(shown))
    cards = "".join(
        f"<section id='s{i}'><h2>{e(row['submission'])}</h2>"
        + (to_html(report, lang) if report is not None else f"<p>{e(row['diagnosis'])}</p>")
        + "</section>" for i, (row, report) in enumerate(zip(shown, book.read_reports)))
    title = say("title", lang)
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>mlp-parity: {e(title)}</title>"
            "<style>body{font-family:sans-serif;max-width:70em;margin:auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}</style></head><body>"
            f"<h1>{e(title)}</h1><p>{e(say('counts', lang, n=len(book.rows), counts=counts(book, lang)))}<br>"
            f"{e(say('checked_by', lang, version=book.checked_by.get('version', '?')))}</p>"
            f"<table><tr>{head}</tr>{rows}</table>{cards}</body></html>\n")
