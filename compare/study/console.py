"""What ``mlp-parity study`` prints when it is done, in the report's language."""

from __future__ import annotations

from compare.study.blocks import num
from compare.study.i18n import t
from compare.study.pairs import BATCHED_KIND
from compare.study.task2_report import console as task2_line

MAX_FAILURES_SHOWN = 10


def summary_lines(out, lang: str) -> list[str]:
    """Task 1's predictions, task 2's verdict, the parity summary, failures, wall time, where the report is.

    ``out``: the ``StudyOutput`` of ``run_study``.
    """
    res, summary = out.results, out.summary
    t1 = res["task1"]["outputs"]
    batched = res["parity"]["sections"].get(BATCHED_KIND, {}).get("checks", 0)
    lines = [t("console.task1", lang, h="".join(t1["predicted_handmade"]), t="".join(t1["predicted_torch"])),
             task2_line(res["task2"], lang),
             t("console.parity", lang, checks=summary["checks"], torch=summary["checks"] - batched, batched=batched,
               failed=summary["failed"], worst=num(summary["worst_rel_diff"], lang),
               where=res["parity"]["worst_record"])]
    lines += [t("console.failed", lang, what=failure) for failure in res["parity"]["failures"][:MAX_FAILURES_SHOWN]]
    lines.append(t("console.wall", lang, seconds=num(round(res["timings"]["total_seconds"], 1), lang)))
    lines.append(t("console.report", lang, md=out.report_md, html=out.report_html.name, json=out.results_json.name))
    return lines
