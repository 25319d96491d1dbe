"""The study end to end: run every task, draw the figures, write report.md, report.html, results.json.

``results.json`` holds every number the report shows. Wall-clock numbers
(section times, the activation timing) live only under its ``timings``
object; everything else is a function of the config (seed included), so two
runs with the same seed give the same JSON once ``timings`` is dropped.
"""

from __future__ import annotations

import platform
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import torch

from compare.files.atomic import OutputSet, to_jsonable, write_json, write_text
from compare.measure.records import summarize
from compare.present.progress import progress_bar
from compare.run.executors import default_executor, running, worker_count
from compare.run.threads import one_thread
from compare.study import cost, plots, report, task1, task2_init, task3_training, theory
from compare.study.config import INIT_RATES, LEARNING_RATES, TASK3_ACTIVATIONS, StudyConfig
from compare.study.i18n import check_lang
from compare.study.pairs import BATCHED_KIND

N_THEORY_STEPS = 4  # gallery, vanishing, collapse, cost


@dataclass
class StudyOutput:
    results: dict
    report_md: Path
    report_html: Path
    results_json: Path

    @property
    def summary(self) -> dict:
        return self.results["summary"]


def total_steps() -> int:
    return 2 + 1 + len(INIT_RATES) + len(LEARNING_RATES) + len(TASK3_ACTIVATIONS) + N_THEORY_STEPS \
        + len(plots.FILES) + 1


def versions() -> dict:
    return {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "matplotlib": matplotlib.__version__}


def parity_section(records_by_section: dict[str, list]) -> dict:
    """Per-section summaries and the name of the worst counted record overall."""
    counted = [(name, r) for name, recs in records_by_section.items() for r in recs if r.counted]
    worst = max(counted, key=lambda nr: nr[1].max_rel_diff, default=(None, None))
    failures = [f"{name}: {r.name}" for name, r in counted if not r.passed]
    return {
        "sections": {name: summarize(recs) for name, recs in records_by_section.items()},
        "worst_record": f"{worst[0]}: {worst[1].name}" if worst[1] is not None else "-",
        "failures": failures,
    }


def run_study(cfg: StudyConfig, out_dir, lang: str = "en", command: str = "mlp-parity study",
              progress: bool | None = None, outputs: OutputSet | None = None) -> StudyOutput:
    """Run the whole study into ``out_dir``; return the results and the paths written.

    ``command`` is recorded as the command that reproduces the numbers; ``lang`` only changes the report's
    words, so results.json is the same for every language. The files replace the old ones as a set,
    once all are written; with ``outputs`` they join that set instead and appear when the caller
    commits it (the CLI's ``--json`` file goes with them).
    """
    check_lang(lang)
    # The study's networks are tiny: a second thread costs more than it saves, and on a busy 2-core
    # machine a BLAS call split in two waits for the busier core (task 2's 3000-network batch: 18 s
    # with two OpenBLAS threads at load 4, 4 s with one). One thread for torch and for BLAS.
    with one_thread():
        return _run(cfg, Path(out_dir), lang, command, progress, outputs)


def _run(cfg: StudyConfig, out_dir: Path, lang: str, command: str, progress: bool | None,
         outputs: OutputSet | None) -> StudyOutput:
    start = time.perf_counter()
    section_times, records, batched = {}, {}, []
    results = {}
    with progress_bar(total_steps(), "study", enabled=progress) as bar:
        def tick(note: str = "") -> None:
            bar.set_postfix_str(note, refresh=False)
            bar.update(1)

        for name, module in (("task1", task1), ("task2", task2_init), ("task3", task3_training),
                             ("theory", theory)):
            began = time.perf_counter()
            results[name], recs = module.run(cfg, tick)
            section_times[name] = time.perf_counter() - began
            # Batched-vs-alone records are not comparisons with torch: their own section of the summary.
            records[name] = [r for r in recs if r.kind != BATCHED_KIND]
            batched += [r for r in recs if r.kind == BATCHED_KIND]
        records[BATCHED_KIND] = batched
        began = time.perf_counter()
        results["theory"]["cost"], activation_cost = cost.run(cfg, tick)
        section_times["activation_cost"] = time.perf_counter() - began

        results["summary"] = summarize([r for recs in records.values() for r in recs])
        results["parity"] = parity_section(records)
        results["parity"]["records"] = {name: [r.to_dict() for r in recs] for name, recs in records.items()}
        results["config"] = cfg.to_dict()
        results["meta"] = {"command": command, "versions": versions()}
        results["timings"] = {"activation_cost": activation_cost, "sections_seconds": section_times}

        began = time.perf_counter()
        # Figures, report and results.json replace the old ones together or not at all: staged, then renamed.
        with nullcontext(outputs) if outputs is not None else OutputSet() as staging:
            stage = staging.directory(out_dir)
            with running(default_executor(min(len(plots.FILES), worker_count(None)))) as pool:
                figures = plots.draw_all(results, stage, cfg.dpi, tick, pool)
            results["figures"] = figures
            blocks = report.build(results, lang, figures)
            write_text(stage / "report.md", report.to_markdown(blocks))
            write_text(stage / "report.html", report.to_html(blocks, stage, lang))
            section_times["figures_and_report"] = time.perf_counter() - began
            results["timings"]["total_seconds"] = time.perf_counter() - start
            ordered = {key: results[key] for key in ("summary", "parity", "config", "meta", "figures", "task1",
                                                     "task2", "task3", "theory", "timings")}
            write_json(stage / "results.json", ordered)
        tick("report written")
    md, html, js = (out_dir / name for name in ("report.md", "report.html", "results.json"))
    return StudyOutput(to_jsonable(ordered), md, html, js)
