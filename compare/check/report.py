"""The report card: one line per check, each failure followed by its diagnoses; and the JSON.

Status ``ok``/``FAIL`` for counted checks, ``note`` for information that never
fails a run (e.g. "backward also updates the weights"). ``rel diff`` is the
compared tensor's ``max|a - b| / max(|a|, |b|)`` against torch ("inf" when the
shape is wrong, "-" when the check is not a tensor comparison).
"""

from __future__ import annotations

import html
import textwrap

from compare.check.results import Report
from compare.measure.tolerance import tolerance_for
from compare.present.numbers import fmt
from compare.sandbox.plan import describe

WIDTH = 100


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=" " * (len(indent) + 2))


def render(report: Report) -> str:
    """The terminal report card: what the class was understood as, one table per dtype, the verdict."""
    lines = [f"mlp-parity check {report.target}"]
    for note in report.notes:
        lines += _wrap(note, "  ")
    lines += _understood(report)
    if report.not_checked is not None and not report.checks:
        return "\n".join(lines + _not_checked(report))
    for dtype in dict.fromkeys(c.dtype for c in report.checks):
        lines += _table(report, dtype)
    if report.not_checked is not None:
        lines += _not_checked(report)
    s = report.summary()
    verdict = {"passed": "everything matches torch", "failed": "differences from torch found",
               "not checked": "what ran matches torch, but the class was not checked in full"}[report.status]
    worst = fmt(float(s["worst_rel_diff"]))
    lines += ["", f"{s['checks']} checks, {s['failed']} failed; worst relative difference {worst}: {verdict}"]
    return "\n".join(lines)


def _understood(report: Report) -> list[str]:
    """How the class was driven (the discovered plan) and what it was checked on."""
    if report.plan is None:
        return []
    cfg = report.config
    sizes = "-".join(map(str, report.sizes)) if report.sizes else "?"
    lines = ["  understood as:"]
    for line in describe(report.plan):
        lines += _wrap(line, "    ")
    return lines + [f"  network {sizes} {cfg.activation} -> {cfg.output_activation}, loss {cfg.loss}"
                    f"{'' if report.plan['bias'] else ', no biases'}; weights MLPSpec(seed={cfg.seed}).init_params()",
                    f"  batch: the 3 letters + 2 noisy copies (N = 5); SGD lr {cfg.lr:g}, {cfg.epochs} epochs"]


def _table(report: Report, dtype: str) -> list[str]:
    """The checks of one dtype: name, status, relative difference, and the findings under each."""
    checks = [c for c in report.checks if c.dtype == dtype]
    width = max(len(c.name) for c in checks)
    lines = ["", f"{dtype} (tolerance {tolerance_for(dtype).step:g})",
             f"  {'check'.ljust(width)}  status  rel diff", f"  {'-' * width}  ------  --------"]
    for c in checks:
        rel = "-" if c.rel is None else fmt(float(c.rel))
        lines.append(f"  {c.name.ljust(width)}  {c.status.ljust(6)}  {rel}")
        for finding in c.findings:
            lines += _wrap(finding.message, "      - ")
    overview = report.overview.get(dtype, [])
    if overview:
        lines.append("  overview:")
        for finding in overview:
            lines += _wrap(finding.message, "    * ")
    return lines


def _not_checked(report: Report) -> list[str]:
    lines = ["", "NOT CHECKED: the tool could not drive this class" + (" in full." if report.checks else ".")]
    lines += _wrap(f"what it could not understand: {report.not_checked['reason']}", "  ")
    lines += _wrap(f"what would help: {report.not_checked['fix']}", "  ")
    return lines


def to_json(report: Report) -> dict:
    """The object ``--json`` writes; top-level ``summary`` as every command's."""
    return report.to_dict()


_STATUS_STYLE = {"ok": "color:#1a7f37", "FAIL": "color:#cf222e;font-weight:bold", "note": "color:#6e7781"}
_VERDICT_STYLE = {"passed": "#1a7f37", "failed": "#cf222e", "not checked": "#9a6700"}


def to_html(report: Report) -> str:
    """The report card as HTML (what Jupyter shows for a Report): the same content as :func:`render`."""
    e = html.escape
    s = report.summary()
    color = _VERDICT_STYLE[report.status]
    parts = [f"<div class='mlp-parity-check'><p><b>mlp-parity check</b> <code>{e(report.target)}</code>: "
             f"<b style='color:{color}'>{e(report.status)}</b> ({s['checks']} checks, {s['failed']} failed, worst "
             f"relative difference {e(fmt(float(s['worst_rel_diff'])))})</p>"]
    notes = list(report.notes) + (describe(report.plan) if report.plan is not None else [])
    if notes:
        parts.append("<details><summary>understood as</summary><ul>" +
                     "".join(f"<li>{e(line)}</li>" for line in notes) + "</ul></details>")
    for dtype in dict.fromkeys(c.dtype for c in report.checks):
        rows = []
        for c in (c for c in report.checks if c.dtype == dtype):
            rel = "-" if c.rel is None else fmt(float(c.rel))
            findings = "".join(f"<li>{e(f.message)}</li>" for f in c.findings)
            rows.append(f"<tr><td>{e(c.name)}</td><td style='{_STATUS_STYLE[c.status]}'>{c.status}</td>"
                        f"<td>{e(rel)}</td><td><ul style='margin:0'>{findings}</ul></td></tr>")
        overview = "".join(f"<li>{e(f.message)}</li>" for f in report.overview.get(dtype, []))
        parts.append(f"<p><b>{dtype}</b> (tolerance {tolerance_for(dtype).step:g})</p><table>"
                     "<tr><th>check</th><th>status</th><th>rel diff</th><th>findings</th></tr>"
                     f"{''.join(rows)}</table>" + (f"<ul>{overview}</ul>" if overview else ""))
    if report.not_checked is not None:
        parts.append(f"<p><b>not checked</b>: {e(report.not_checked['reason'])}<br>what would help: "
                     f"{e(report.not_checked['fix'])}</p>")
    return "".join(parts) + "</div>"


# Jupyter shows a Report as its HTML card (the result type stays free of presentation code).
Report._repr_html_ = to_html
