"""The report card: one line per check, each failure followed by its diagnoses; and the JSON.

Status ``ok``/``FAIL`` for counted checks, ``note`` for information that never
fails a run (e.g. "backward also updates the weights"). ``rel diff`` is the
compared tensor's ``max|a - b| / max(|a|, |b|)`` against torch ("inf" when the
shape is wrong, "-" when the check is not a tensor comparison).
"""

from __future__ import annotations

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
