"""Figures of the statistical parts: task 2 (schemes, the rate x scheme grid), task 3 (bands), the cost sweep.

They only draw numbers the study computed. Loss axes stop ``FLOOR_DECADES``
decades below the threshold: what lies lower is float64 rounding territory (a
converged ReLU net reaches ~1e-32), which the task is not about; the lowest loss
reached is written where the axis ends instead. Curves that may coincide get
their own line style and markers, so none hides another.
"""

from __future__ import annotations

import numpy as np

from compare.figures.canvas import colormap, log_axis, subplots
from compare.study.i18n import bi

FLOOR_DECADES = 4
STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (1, 1)))
MARKERS = ("o", "s", "^", "v", "D", "x")


def _floor_axis(ax, threshold: float, lowest: float) -> None:
    """y from ``threshold / 10**FLOOR_DECADES`` up; the lowest loss reached noted at the bottom."""
    bottom = threshold / 10 ** FLOOR_DECADES
    ax.set_ylim(bottom=bottom)
    if lowest < bottom:
        ax.annotate(bi("floor_note") + f" {lowest:.0e}", (0.99, 0.02), xycoords="axes fraction", ha="right",
                    fontsize=7, color="dimgrey")


def _threshold(ax, threshold: float) -> None:
    ax.axhline(threshold, color="tab:red", ls=":", lw=1.2, label=bi("threshold") + f" {threshold:g}")


def task2_curves(res):
    curves, schemes = res["curves"], res["schemes"]
    cols = 5
    rows_n = int(np.ceil(len(schemes) / cols))
    fig, axes = subplots(rows_n, cols, figsize=(15, 3.3 * rows_n), sharex=True, sharey=True, squeeze=False)
    lowest = min(float(np.nanmin(c["q10"])) for c in curves.values())
    for ax, s in zip(axes.flat, schemes):
        c = curves[s["key"]]
        epochs = np.arange(1, len(c["median"]) + 1)
        ax.fill_between(epochs, c["q10"], c["q90"], color="tab:blue", alpha=0.25, label=bi("band"))
        ax.plot(epochs, c["median"], color="tab:blue", lw=2, label=bi("median"))
        _threshold(ax, res["threshold"])
        log_axis(ax)
        _floor_axis(ax, res["threshold"], lowest)
        ax.set_title(s["init"], fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(schemes):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xlabel(bi("epoch"))
    for ax in axes[:, 0]:
        ax.set_ylabel(bi("loss"))
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(bi("init_curves_title") + f" (lr {res['main_lr']:g}, {res['seeds']} seeds)")
    return fig


def task2_epochs(res):
    lr, budget = res["main_lr"], res["budget"]
    verdict = next(v for v in res["verdicts"] if v["lr"] == lr)
    cells = {c["scheme"]: c for c in res["cells"] if c["lr"] == lr}
    inits = {s["key"]: s["init"] for s in res["schemes"]}
    order = verdict["order"]
    y = np.arange(len(order))
    fig, (a1, a2) = subplots(1, 2, figsize=(14, 0.5 * len(order) + 2), sharey=True, width_ratios=(3, 1.3))
    never_x = budget * 1.06
    for i, key in enumerate(order):
        c = cells[key]
        hit = np.array([e for e in c["epochs"] if e <= budget])
        jitter = np.random.default_rng(i).uniform(-0.28, 0.28, len(hit))  # fixed: the figure is deterministic
        a1.scatter(hit, i + jitter, s=5, color="tab:blue", alpha=0.35)
        if c["median_epochs"] <= budget:
            lo, hi = c["median_epochs_ci"]
            a1.plot([c["median_epochs"]] * 2, [i - 0.38, i + 0.38], color="k", lw=2)
            a1.fill_betweenx([i - 0.38, i + 0.38], lo, min(hi, budget), color="k", alpha=0.15)
        miss = c["n"] - c["reached"]
        if miss:
            a1.scatter([never_x], [i], marker="x", color="tab:red", s=40)
            a1.annotate(f"{miss}", (never_x, i), xytext=(6, -3), textcoords="offset points", fontsize=8,
                        color="tab:red")
        tie = key in verdict["top"]
        # max(0, .): the Wilson ends of 0/n and n/n equal the share up to rounding
        a2.errorbar([100 * c["reach_share"]], [i], xerr=[[100 * max(0.0, c["reach_share"] - c["reach_ci"][0])],
                                                         [100 * max(0.0, c["reach_ci"][1] - c["reach_share"])]],
                    fmt="o", color="tab:green" if tie else "tab:grey", capsize=3)
    a1.axvline(budget, color="grey", ls=":")
    a1.set_xlabel(bi("epochs_to_thr"))
    a1.set_title(bi("epochs_title") + f" (lr {lr:g}; " + bi("ci_bar") + "; x = " + bi("never") + ")", fontsize=10)
    a1.set_yticks(y, [inits[k] + (" *" if k in verdict["top"] else "") for k in order])
    a1.invert_yaxis()
    a1.grid(alpha=0.3)
    a2.set_xlim(-3, 103)
    a2.set_xlabel(bi("reached_pct") + " (95% CI)")
    a2.grid(alpha=0.3)
    fig.suptitle("* = " + bi("top_group"), fontsize=9, x=0.01, ha="left")
    return fig


def _heatmap(ax, values: np.ndarray, text: list[list[str]], title: str, cmap: str, vmax: float):
    image = ax.imshow(values, cmap=colormap(cmap), vmin=0, vmax=vmax, aspect="auto")
    for (i, j), label in np.ndenumerate(np.array(text, dtype=object)):
        ax.text(j, i, label, ha="center", va="center", fontsize=7,
                color="white" if values[i, j] > 0.6 * vmax else "black")
    ax.set_title(title, fontsize=10)
    return image


def task2_grid(res):
    rates, schemes = res["rates"], res["schemes"]
    budget = res["budget"]
    by = {(c["scheme"], c["lr"]): c for c in res["cells"]}
    reach = np.array([[by[s["key"], lr]["reach_share"] for lr in rates] for s in schemes])
    med = np.array([[min(by[s["key"], lr]["median_epochs"], budget + 1) for lr in rates] for s in schemes])
    fig, (a1, a2, a3) = subplots(1, 3, figsize=(17, 0.45 * len(schemes) + 2.2), width_ratios=(1, 1, 1.3))
    _heatmap(a1, reach, [[f"{100 * v:.0f}" for v in row] for row in reach], bi("reached_pct"), "Greens", 1.0)
    _heatmap(a2, med, [[f"{v:.0f}" if v <= budget else ">" + str(budget) for v in row] for row in med],
             bi("median_epochs"), "viridis_r", budget + 1)
    for ax in (a1, a2):
        ax.set_xticks(np.arange(len(rates)), [f"{lr:g}" for lr in rates])
        ax.set_xlabel("lr")
    a1.set_yticks(np.arange(len(schemes)), [s["init"] for s in schemes])
    a2.set_yticks([])
    for k, lr in enumerate(rates):
        cells = [c for c in res["cells"] if c["lr"] == lr and c["first_step"] > 0]
        a3.scatter([c["first_step"] for c in cells], [100 * c["reach_share"] for c in cells], s=22,
                   marker=MARKERS[k % len(MARKERS)], label=f"lr {lr:g}")
    a3.set_xscale("log")
    a3.set_xlabel(bi("first_step"))
    a3.set_ylabel(bi("reached_pct"))
    a3.set_title(bi("first_step_title"), fontsize=10)
    a3.grid(alpha=0.3, which="both")
    a3.legend(fontsize=7)
    fig.suptitle(bi("grid_title") + f" ({res['grid_seeds']}-{res['seeds']} seeds per cell)")
    return fig


def _bands(res, family: str, label_of, title: str):
    cells = res[family]
    fig, ax = subplots(figsize=(10, 5.2))
    lowest = min(float(np.nanmin(c["curve"]["q10"])) for c in cells)
    for k, c in enumerate(cells):
        curve = c["curve"]
        epochs = np.arange(1, len(curve["median"]) + 1)
        line, = ax.plot(epochs, curve["median"], ls=STYLES[k % len(STYLES)], lw=2.2 if k == 0 else 1.6,
                        marker=MARKERS[k % len(MARKERS)], markevery=(k * 7 % 40, 40), ms=5,
                        label=f"{label_of(c)} ({c['reached']}/{c['n']})", zorder=3 + (k == 0))
        ax.fill_between(epochs, curve["q10"], curve["q90"], color=line.get_color(), alpha=0.12)
    _threshold(ax, res["threshold"])
    log_axis(ax)
    _floor_axis(ax, res["threshold"], lowest)
    ax.set_xlabel(bi("epoch"))
    ax.set_ylabel(bi("loss"))
    ax.set_title(title + f" ({res['seeds']} seeds: " + bi("median") + ", " + bi("band") + ")", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2, title=bi("reached_of"), title_fontsize=8)
    return fig


def task3_lr(res):
    return _bands(res, "learning_rates", lambda c: f"lr {c['lr']:g}", bi("lr_title"))


def task3_activations(res):
    title = bi("act_title") + f", lr {res['lr_for_activations']:g}"
    return _bands(res, "activations", lambda c: c["activation"], title)


def theory_cost(desc, timings):
    fig, ax = subplots(figsize=(8.5, 4.6))
    ax.axhspan(4, 6, color="tab:green", alpha=0.15, label=bi("claim_band"))
    for k, kind in enumerate(desc["kinds"]):
        rows = timings[kind]
        n = np.array([r["n"] for r in rows], dtype=float)
        ratio = np.array([r["ratio"] for r in rows])
        err = [ratio - np.array([r["ratio_min"] for r in rows]), np.array([r["ratio_max"] for r in rows]) - ratio]
        ax.errorbar(n, ratio, yerr=err, ls=STYLES[k], marker=MARKERS[k], capsize=3, label=bi(f"cost_{kind}"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(bi("elements"))
    ax.set_ylabel(bi("ratio_sigmoid_relu"))
    ax.set_title(bi("cost_title") + f" (float64, {desc['rounds']} rounds: median, min-max)", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig
