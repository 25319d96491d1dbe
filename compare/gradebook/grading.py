"""One submission checked: the task a gradebook's worker runs, here or on a Dask worker.

The file is written to a fresh temporary directory under its own name and checked there
(``compare.check.checker.run_check``: the student's code in a child process with the per-call
time and memory limits), with a cap on the whole submission's time. The result is a gradebook
row and the full report, as plain data. Nothing the submission does can end the batch: its
failures are findings, a file the tool cannot use is a row that says so.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from compare.check.checker import run_check
from compare.check.results import Check, CheckConfig, Report
from compare.check.texts import TEXT
from compare.gradebook.submissions import CHECKED, Submission
from handmade.contract.errors import InvalidInput

ROW_FIELDS = ("submission", "status", "checks", "failed", "first_wrong", "diagnosis", "seconds", "cached", "sha256")


def first_wrong(report: Report) -> Check | None:
    """The check a gradebook names: the first wrong gradient, else the first failing check (float64 first)."""
    failing = report.failing("float64") or report.failing()
    return report.first_wrong_gradient() or (failing[0] if failing else None)


def headline(report: Report, lang: str = "en") -> str:
    """The one sentence a gradebook row gives: the first finding of the first failing check, why the class
    was not checked, or that everything matches."""
    failing = report.failing("float64") or report.failing()
    if failing:
        findings = failing[0].findings or [f for fs in report.overview.values() for f in fs]
        return findings[0].say(lang) if findings else TEXT.text("gradebook.differs", lang, name=failing[0].name)
    if report.not_checked is not None:
        return TEXT.render(report.not_checked["reason"], lang)
    return TEXT.text("report.verdict.passed", lang)


def not_checkable(name: str, lang: str = "en") -> str:
    """Why a file of the batch was not run: not a Python file or notebook."""
    suffix = Path(name).suffix or TEXT.text("gradebook.no_suffix", lang)
    return TEXT.text("gradebook.not_python", lang, suffix=suffix, kinds=list(CHECKED))


def row(name: str, report: Report | None, seconds: float, sha256: str, reason: str = "") -> dict:
    """The gradebook row: status, checks failed, the first wrong parameter, the headline diagnosis, the time."""
    if report is None:
        return {"submission": name, "status": "not checked", "checks": 0, "failed": 0, "first_wrong": None,
                "diagnosis": reason, "seconds": round(seconds, 3), "cached": False, "sha256": sha256}
    summary, first = report.summary(), first_wrong(report)
    return {"submission": name, "status": report.status, "checks": summary["checks"], "failed": summary["failed"],
            "first_wrong": (first.param or first.name) if first is not None else None,
            "diagnosis": headline(report), "seconds": round(seconds, 3), "cached": False, "sha256": sha256}


def grade(submission: Submission, config: dict, cap: float | None) -> dict:
    """``{"row": ..., "report": ...}`` for one submission (``config``: a CheckConfig as a dict; ``cap``: seconds
    for the whole submission, None for none)."""
    start = time.monotonic()
    if not submission.checkable:
        return {"row": row(submission.name, None, 0.0, submission.sha256, not_checkable(submission.name)),
                "report": None}
    with tempfile.TemporaryDirectory(prefix="mlp-parity-submission-") as folder:
        path = Path(folder) / Path(submission.name).name
        path.write_bytes(submission.content)
        try:
            report = run_check(str(path), CheckConfig.from_dict(config), start + cap if cap else None)
        except InvalidInput as exc:  # the tool cannot use the file: no network class, two of them, ...
            text = str(exc).replace(f"{folder}/", "")
            return {"row": row(submission.name, None, time.monotonic() - start, submission.sha256, text),
                    "report": None}
    report.target = submission.name
    # The temporary folder is nobody's business: messages name the file as the teacher named it.
    as_data = json.loads(json.dumps(report.to_dict()).replace(json.dumps(f"{folder}/")[1:-1], ""))
    report = Report.from_dict(as_data)
    return {"row": row(submission.name, report, time.monotonic() - start, submission.sha256), "report": as_data}
