"""A saved sweep's figures on disk: ``overview.png``, one PNG per plot group, and ``index.html``.

The index is one self-contained HTML page (no script, no external style) that shows
the summary, the overview and every group's figure with a table of its cells; it links
the PNGs beside it. Every file is written atomically and the index last, so an index
that exists names only figures that were written whole.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from compare.figures.canvas import save_figure
from compare.figures.sweeps import PlotGroup, axis_text, group_figure, overview_figure, plot_groups, varying
from compare.files.atomic import write_text
from compare.present.numbers import fmt

STYLE = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
         "table{border-collapse:collapse;font-size:90%}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
         "img{max-width:100%}.fail{color:#b00;font-weight:bold}")


def _file_name(index: int, group: PlotGroup) -> str:
    """A portable file name: ``03-float64-sgd-tanh-lr0.5.png``; ``adam(beta1=0.8)`` becomes ``adam_beta1=0.8``."""
    return "-".join([f"{index:02d}"] + [re.sub(r"[^A-Za-z0-9.=]+", "_", part).strip("_") for part in group.parts]) \
        + ".png"


def _cell_table(group: PlotGroup, members: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in [*members, "status", "worst checked rel diff",
                                                            "final loss handmade", "final loss torch"])
    body = []
    for row in group.rows:
        status = html.escape(row["status"])
        if not row.get("matched", True):
            status = f'<span class="fail">{status}</span>'
        cells = [html.escape(axis_text(a, row[a])) for a in members]
        cells += [status, fmt(row["checked_rel_diff"]), fmt(row["final_loss_handmade"]), fmt(row["final_loss_torch"])]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _summary(sweep: dict, source: str) -> str:
    summary = sweep.get("summary") or {}
    setup = sweep.get("setup") or {}
    statuses = ", ".join(f"{n} {s}" for s, n in sorted((summary.get("statuses") or {}).items()))
    shape = "-".join(map(str, setup.get("sizes", []))) or "?"
    return (f"<p>{html.escape(source)}: {len(sweep['cells'])} cells ({html.escape(shape)}, "
            f"{html.escape(str(setup.get('epochs', '?')))} epochs): {html.escape(statuses)}; "
            f"{html.escape(str(summary.get('failed', '?')))} failed; worst checked relative difference "
            f"{fmt(summary.get('worst_rel_diff'))}.</p>")


def write_sweep_plots(sweep: dict, out_dir: str | Path, source: str) -> list[Path]:
    """Draw every figure of ``sweep`` (checked rows with curves) into ``out_dir``; the index comes last.

    Returns the written files, ``index.html`` last.
    """
    out = Path(out_dir)
    rows = sweep["cells"]
    written = [save_figure(overview_figure(rows), out / "overview.png")]
    members = varying(rows, ("init", "seed")) or ["init"]
    sections = []
    for i, group in enumerate(plot_groups(rows), start=1):
        name = _file_name(i, group)
        written.append(save_figure(group_figure(group, rows), out / name))
        title = html.escape(group.title)
        sections.append(f'<h2 id="g{i}">{title}</h2><img src="{html.escape(name)}" alt="{title}">'
                        + _cell_table(group, members))
    index = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>mlp-parity sweep</title>"
             f"<style>{STYLE}</style></head><body><h1>mlp-parity sweep: handmade vs torch</h1>{_summary(sweep, source)}"
             "<p>Per group: handmade solid, torch dashed (top), |L_handmade - L_torch| per epoch (bottom).</p>"
             '<h2>Overview</h2><img src="overview.png" alt="overview heatmaps">' + "".join(sections)
             + "</body></html>\n")
    written.append(write_text(out / "index.html", index))
    return written
