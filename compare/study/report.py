"""The report: the parity summary on top, one section per task, rendered to Markdown and to HTML.

The HTML is self-contained (figures embedded as base64 PNG, inline CSS), so
it can be mailed or handed out as one file. Both renderings come from the
same list of blocks, so they always say the same thing.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from compare.measure.tolerance import tolerance_for
from compare.present.tables import markdown_table
from compare.study import cost, task1, task2_report, task3_report, theory
from compare.study.blocks import Figure, Heading, Para, Table, num
from compare.study.i18n import t
from compare.study.pairs import BATCHED_KIND


def parity_blocks(results: dict, lang: str) -> list:
    summary = results["summary"]
    tol = tolerance_for("float64")
    sections = results["parity"]["sections"]
    batched_checks = sections.get(BATCHED_KIND, {}).get("checks", 0)
    values = {"checks": summary["checks"], "failed": summary["failed"], "worst": num(summary["worst_rel_diff"]),
              "torch": summary["checks"] - batched_checks, "batched": batched_checks,
              "where": results["parity"]["worst_record"], "step": num(tol.step), "trajectory": num(tol.trajectory)}
    rows = [[t(f"section.{name}", lang), num(s["checks"]), num(s["failed"]), num(s["worst_rel_diff"])]
            for name, s in sections.items()]
    b = results["task2"]["batched"]
    return [
        Heading(2, t("parity.title", lang)),
        Para(t("parity.ok" if summary["failed"] == 0 else "parity.fail", lang, **values)),
        Table([t(k, lang) for k in ("col.section", "col.checks", "col.failed", "col.worst_rel")], rows),
        Para(t("parity.explain", lang)),
        Para(t("parity.batched", lang, members=b["handmade_members"], torch_members=b["torch_members"],
               checked=b["members_checked"], loss_diff=num(b["loss_max_abs_diff"]),
               loss_rel=num(b["loss_rel_diff"]),
               params_diff=num(b["params_max_abs_diff"]), params_rel=num(b["params_rel_diff"]),
               identical=b["params_identical"])),
    ]


def build(results: dict, lang: str, figures: dict) -> list:
    """Every block of the report, in order."""
    meta = results["meta"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    command = meta["command"] + ("" if lang == "en" else f" --lang {lang}")
    return [
        Heading(1, t("title", lang)),
        Para(t("intro", lang, command=command)),
        *parity_blocks(results, lang),
        *task1.blocks(results["task1"], lang, figures),
        *task2_report.blocks(results["task2"], lang, figures),
        *task3_report.blocks(results["task3"], lang, figures),
        *theory.blocks(results["theory"], lang, figures),
        *cost.blocks(results["theory"]["cost"], results["timings"]["activation_cost"],
                     task3_report.epochs_by_activation(results["task3"]), lang, figures),
        Heading(2, t("repro.title", lang)),
        Para(t("repro.text", lang, command=command, versions=versions)),
    ]


def to_markdown(blocks: list) -> str:
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Table):
            out.append(markdown_table(b.headers, b.rows))
        elif isinstance(b, Figure):
            out.append(f"![{b.caption}]({b.file})\n\n*{b.caption}*")
    return "\n\n".join(out) + "\n"


_INLINE = [(re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
           (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
           (re.compile(r"(?<![\w*])\*([^*]+)\*(?![\w*])"), r"<em>\1</em>")]


def inline_html(text: str) -> str:
    out = html.escape(str(text), quote=False)
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45;
color:#222}table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #bbb;padding:.25em .5em;
text-align:left}th{background:#eee}img{max-width:100%;border:1px solid #ddd}figure{margin:1.5em 0}
figcaption{font-style:italic;color:#555}code{background:#f3f3f3;padding:0 .2em}"""


def to_html(blocks: list, out_dir: Path, lang: str) -> str:
    body = []
    title = next((b.text for b in blocks if isinstance(b, Heading)), "report")
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{inline_html(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            body.append(f"<p>{inline_html(b.text)}</p>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{inline_html(h)}</th>" for h in b.headers)
            rows = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Figure):
            data = base64.b64encode((out_dir / b.file).read_bytes()).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(b.caption)}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{inline_html(b.caption)}</figcaption></figure>")
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
