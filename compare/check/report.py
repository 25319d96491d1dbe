"""The report card: one line per check, each failure followed by its diagnoses; and the JSON.

Status ``ok``/``FAIL`` for counted checks, ``note`` for information that never
fails a run (e.g. "backward also updates the weights"). ``rel diff`` is the
compared tensor's ``max|a - b| / max(|a|, |b|)`` against torch ("inf" when the
shape is wrong, "-" when the check is not a tensor comparison).
"""

from __future__ import annotations

import textwrap

from compare.check.checker import Report
from compare.measure.tolerance import tolerance_for
from compare.present.numbers import fmt

WIDTH = 100


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=" " * (len(indent) + 2))


def render(report: Report) -> str:
    """The terminal report card."""
    cfg = report.config
    sizes = "-".join(map(str, report.sizes)) if report.sizes else "?"
    lines = [f"mlp-parity check {report.target}",
             f"  interface {report.interface}, built as {report.construction}",
             f"  network {sizes} {cfg.activation} -> {cfg.output_activation}, loss {cfg.loss}; "
             f"weights MLPSpec(seed={cfg.seed}).init_params()",
             f"  batch: the 3 letters + 2 noisy copies (N = 5); SGD lr {cfg.lr:g}, {cfg.epochs} epochs"]
    dtypes = list(dict.fromkeys(c.dtype for c in report.checks))
    for dtype in dtypes:
        checks = [c for c in report.checks if c.dtype == dtype]
        lines += ["", f"{dtype} (tolerance {tolerance_for(dtype).step:g})"]
        width = max(len(c.name) for c in checks)
        lines.append(f"  {'check'.ljust(width)}  status  rel diff")
        lines.append(f"  {'-' * width}  ------  --------")
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
    s = report.summary()
    verdict = "everything matches torch" if report.passed else "differences from torch found"
    worst = fmt(float(s["worst_rel_diff"]))
    lines += ["", f"{s['checks']} checks, {s['failed']} failed; worst relative difference {worst}: {verdict}"]
    return "\n".join(lines)


def to_json(report: Report) -> dict:
    """The object ``--json`` writes; top-level ``summary`` as every command's."""
    return report.to_dict()
