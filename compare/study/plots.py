"""The study's figures. They only draw numbers the study computed (the results dict); no maths here.

Tasks 2 and 3 and the cost sweep draw from ``plots_stats``; this module has task 1, the theory and
``draw_all``.

Every label is bilingual ("Loss / Потери") so one PNG serves both report
languages. Log scales use ``nonpositive="mask"``: an epoch where the two
losses are bit-identical has difference 0, which a log axis cannot show, so
it is left out (the tables count those epochs).
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

import numpy as np

from compare.figures.canvas import log_axis, save_figure, subplots
from compare.figures.curves import CurveLabels, pair_panels
from compare.run.executors import InlineExecutor, run_all
from compare.study import plots_stats as stats
from compare.study.i18n import bi

COLORS = {"handmade": "tab:blue", "torch": "tab:orange"}
FILES = ("task1_letters", "task1_loss", "task1_robustness", "task2_curves", "task2_epochs", "task2_grid", "task3_lr",
         "task3_activations", "theory_activations", "theory_vanishing", "theory_collapse", "theory_cost")


def _pair_panels(runs: list[dict], label_of, title: str):
    labels = CurveLabels(loss=bi("loss"), epoch=bi("epoch"), diff=bi("abs_diff"), torch="torch (dashed / пунктир)")
    return pair_panels(runs, label_of, title, labels)


def task1_loss(res):
    spec = res["spec"]
    name = f"{'-'.join(map(str, spec['sizes']))} {spec['activation']}"
    return _pair_panels([{"curves": res["curves"]}], lambda r: name, bi("task1_loss_title"))


def task1_letters(res):
    out, ex = res["outputs"], res["examples"]
    fig, axes = subplots(2, 3, figsize=(7.5, 5.6))
    rows = [(out["images"], out["letters"], out["predicted_handmade"], out["predicted_torch"], bi("clean")),
            (ex["images"], ex["true"], ex["predicted_handmade"], ex["predicted_torch"],
             f"{ex['flips']} " + bi("flipped"))]
    for r, (images, truth, ph, pt, kind) in enumerate(rows):
        for i in range(3):
            ax = axes[r, i]
            ax.imshow(np.asarray(images[i]).reshape(5, 6), cmap="Greys", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ok = ph[i] == truth[i] and pt[i] == truth[i]
            ax.set_title(f"{kind}: '{truth[i]}'\nhandmade '{ph[i]}', torch '{pt[i]}'", fontsize=8,
                         color="darkgreen" if ok else "darkred")
    fig.suptitle(bi("letters_title"))
    return fig


def task1_robustness(res):
    rob = res["robustness"]
    fig, ax = subplots(figsize=(7, 4.2))
    ax.plot(rob["flips"], 100 * np.asarray(rob["accuracy_handmade"]), "o-", lw=2, color=COLORS["handmade"],
            label="handmade")
    ax.plot(rob["flips"], 100 * np.asarray(rob["accuracy_torch"]), "x--", color=COLORS["torch"], label="torch")
    ax.axhline(100 / 3, color="grey", ls=":", label=bi("chance"))
    ax.set_ylim(0, 105)
    ax.set_xlabel(bi("flips"))
    ax.set_ylabel(bi("accuracy"))
    ax.set_title(bi("robust_title") + f" ({rob['samples'][0]} " + bi("samples_each") + ")")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def theory_activations(res):
    g = res["gallery"]
    items = g["activations"]
    cols = 4
    rows_n = int(np.ceil(len(items) / cols))
    fig, axes = subplots(rows_n, cols, figsize=(14, 3.6 * rows_n), squeeze=False)
    fig.subplots_adjust(hspace=0.4)
    z = g["z"]
    for ax, a in zip(axes.flat, items):
        ax.plot(z, a["f_handmade"], color="tab:blue", lw=2, label="f handmade")
        ax.plot(z[::8], a["f_torch"][::8], "o", ms=3, color="navy", label="f torch")
        ax.plot(z, a["df_handmade"], color="tab:orange", lw=2, label="f' handmade")
        ax.plot(z[::8], a["df_torch"][::8], "x", ms=4, color="darkred", label="f' torch autograd")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(a["name"])
        ax.set_xlabel("z")
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(items):]:
        ax.axis("off")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(bi("gallery_title"))
    return fig


def theory_vanishing(res):
    v = res["vanishing"]
    fig, ax = subplots(figsize=(8, 4.8))
    for name, d in v["activations"].items():
        layers = np.arange(len(d["handmade"]))
        line, = ax.plot(layers, d["handmade"], "o-", lw=2, label=f"{name} handmade")
        ax.plot(layers, d["torch"], "x", ms=9, color=line.get_color(), label=f"{name} torch")
    log_axis(ax)
    ax.set_xlabel(bi("layer"))
    ax.set_ylabel(bi("grad_norm"))
    ax.set_title(bi("vanish_title") + f" ({'-'.join(map(str, v['sizes']))}, {v['init']})")
    ax.set_xticks(np.arange(len(v["sizes"]) - 1))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=3)
    return fig


def theory_collapse(res):
    c = res["collapse"]
    net, lin = np.ravel(c["net_outputs"]), np.ravel(c["linear_outputs"])
    fig, ax = subplots(figsize=(5.5, 5.2))
    ax.scatter(lin, net, s=10, alpha=0.6)
    lo, hi = float(min(lin.min(), net.min())), float(max(lin.max(), net.max()))
    ax.plot([lo, hi], [lo, hi], color="k", lw=0.8, ls="--", label="y = x")
    ax.set_xlabel(bi("linear_out"))
    ax.set_ylabel(bi("net_out"))
    ax.set_title(bi("collapse_title") + f"\nmax |diff| = {c['max_abs_diff']:.2e}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def _makers(results: dict) -> dict:
    """{figure key: a function drawing it from ``results``}."""
    t1, t2, t3, th = results["task1"], results["task2"], results["task3"], results["theory"]
    return {
        "task1_letters": lambda: task1_letters(t1),
        "task1_loss": lambda: task1_loss(t1),
        "task1_robustness": lambda: task1_robustness(t1),
        "task2_curves": lambda: stats.task2_curves(t2),
        "task2_epochs": lambda: stats.task2_epochs(t2),
        "task2_grid": lambda: stats.task2_grid(t2),
        "task3_lr": lambda: stats.task3_lr(t3),
        "task3_activations": lambda: stats.task3_activations(t3),
        "theory_activations": lambda: theory_activations(th),
        "theory_vanishing": lambda: theory_vanishing(th),
        "theory_collapse": lambda: theory_collapse(th),
        "theory_cost": lambda: stats.theory_cost(th["cost"], results["timings"]["activation_cost"]),
    }


def draw_one(results: dict, key: str, path: Path, dpi: int) -> None:
    """Draw the figure ``key`` into ``path`` (a task: it may run in a worker process)."""
    save_figure(_makers(results)[key](), path, dpi=dpi)


def draw_all(results: dict, out_dir: Path, dpi: int, tick, pool: Executor | None = None) -> dict[str, str]:
    """Draw every figure into ``out_dir / "figures"``; return {figure key: file name}.

    ``pool``: where to draw them (default: here, one after the other). The figures are independent and
    drawing them is a quarter of the study's time, so the study spreads them over its worker processes;
    each is the same PNG wherever it is drawn.
    """
    pool = pool or InlineExecutor()
    files = {key: f"figures/{key}.png" for key in FILES}
    run_all(pool, FILES, lambda key: pool.submit(draw_one, results, key, out_dir / files[key], dpi),
            lambda key, drawn: (drawn.result(), tick(f"figure {key}")))
    return files
