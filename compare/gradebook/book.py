"""Grading a course: every submission once (or from the cache), in parallel, into one gradebook.

Where the checks run is ``compare.run.executors.make_executor``: local worker processes by
default, the workers of a Dask cluster with a scheduler address; each task is
``compare.gradebook.grading.grade`` with one BLAS and one torch thread, so a gradebook is the
same wherever it was computed (apart from the times).

**The cache.** A submission already checked with the same options by the same version of the
tool is not checked again: its result is kept in ``<out>/.cache/<key>.json``, written as soon
as it arrives (an interrupted batch keeps what it finished), ``key`` = SHA-256 of the file's
bytes + its name + the options + the version. The name too: a report's messages name the file,
and two students who hand in the same bytes are two rows, each under its own name.

**The gradebook.** ``gradebook.csv`` and ``gradebook.json`` (one row per submission: status,
checks failed, first wrong parameter, headline diagnosis, seconds; English data) and
``gradebook.html`` (the table and every submission's report card, one self-contained page, in
English or Russian: ``compare.gradebook.page``), replaced together.
"""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from compare.check.results import CheckConfig, Report
from compare.files.atomic import OutputSet, write_json
from compare.gradebook.grading import ROW_FIELDS, grade
from compare.gradebook.page import to_page
from compare.gradebook.submissions import Submission
from compare.present.progress import progress_bar
from compare.present.tables import csv_text
from compare.run.cluster import project_version
from compare.run.executors import describe, make_executor, run_all, running
from compare.run.threads import call_in_one_thread

CACHE = ".cache"


def cache_key(submission: Submission, config: dict, cap: float | None, version: str) -> str:
    options = json.dumps({"name": submission.name, "config": config, "cap": cap, "version": version},
                         sort_keys=True)
    return hashlib.sha256(submission.content + b"\0" + options.encode()).hexdigest()


@dataclass
class Gradebook:
    """The rows in submission order, every report (None for a file that was not checked), where it ran, and
    what graded them (``checked_by``: the tool's version, the options, the cap per submission)."""

    rows: list[dict]
    reports: list[dict | None]
    executor: dict = field(default_factory=dict)
    seconds: float = 0.0
    checked_by: dict = field(default_factory=dict)

    @cached_property
    def read_reports(self) -> list[Report | None]:
        """The reports read back from their data (once: the page and the console both show them)."""
        return [Report.from_dict(data) if data is not None else None for data in self.reports]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r["status"]] = out.get(r["status"], 0) + 1
        return out


def grade_all(submissions: list[Submission], config: CheckConfig, out: Path, cap: float | None = 300.0,
              executor: Executor | None = None, progress: bool | None = None) -> list[dict]:
    """``[{"row", "report"}]`` in submission order; cached results reused, new ones cached as they arrive."""
    settings, version = config.to_dict(), project_version()
    cache = Path(out) / CACHE
    files = [cache / f"{cache_key(submission, settings, cap, version)}.json" for submission in submissions]
    results: list[dict | None] = [None] * len(submissions)
    todo = []
    for i, cached in enumerate(files):
        if cached.is_file():
            kept = json.loads(cached.read_text())
            kept["row"]["cached"] = True
            results[i] = kept
        else:
            todo.append(i)
    with progress_bar(len(submissions), "gradebook", enabled=progress) as bar:
        bar.update(len(submissions) - len(todo))

        def keep(i: int, future: Future) -> None:
            results[i] = future.result()
            write_json(files[i], results[i])
            bar.update(1)
            bar.set_postfix_str(f"{submissions[i].name}: {results[i]['row']['status']}")

        def submit(i: int) -> Future:
            return executor.submit(call_in_one_thread, grade, submissions[i], settings, cap)

        run_all(executor, todo, submit, keep)
    return results


def run_gradebook(submissions: list[Submission], config: CheckConfig, out: Path, cap: float | None = 300.0,  # noqa: PLR0913 - the command's options
                  jobs: int | None = None, scheduler: str | None = None, progress: bool | None = None,
                  lang: str = "en") -> Gradebook:
    """Grade every submission and write the gradebook into ``out`` (see the module docstring); ``lang``:
    the language of the HTML page (the results and the cache do not depend on it)."""
    start = time.perf_counter()
    with running(make_executor(jobs, scheduler)) as pool:
        results = grade_all(submissions, config, out, cap, pool, progress)
    book = Gradebook([r["row"] for r in results], [r["report"] for r in results], describe(pool),
                     time.perf_counter() - start,
                     {"version": project_version(), "options": config.to_dict(), "submission_timeout": cap})
    write(book, Path(out), lang)
    return book


def write(book: Gradebook, out: Path, lang: str = "en") -> None:
    """gradebook.csv, gradebook.json (English data) and gradebook.html (in ``lang``) in ``out``, replaced
    together."""
    with OutputSet() as outputs:
        outputs.write_text(out / "gradebook.csv", csv_text(book.rows, ROW_FIELDS))
        outputs.write_json(out / "gradebook.json", {"summary": {"submissions": len(book.rows), **book.counts()},
                                                    "checked_by": book.checked_by, "executor": book.executor,
                                                    "seconds": book.seconds,
                                                    "rows": book.rows, "reports": book.reports})
        outputs.write_text(out / "gradebook.html", to_page(book, lang))
