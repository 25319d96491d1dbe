"""Both sides' loss curves, handmade solid and torch dashed, with their per-epoch difference below."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.figures.canvas import colormap, log_axis, subplots


@dataclass(frozen=True)
class CurveLabels:
    """The axis words of a curve figure (the study passes bilingual ones)."""

    loss: str = "Loss"
    epoch: str = "Epoch"
    diff: str = "|handmade - torch|"
    torch: str = "torch (dashed)"


def pair_panels(runs: list[dict], label_of, title: str, labels: CurveLabels = CurveLabels()):
    """Top: both sides' loss per epoch for each run; bottom: |L_h - L_t| per epoch, log scale.

    ``runs``: dicts whose ``curves`` hold ``handmade``, ``torch`` and ``abs_diff`` (per epoch);
    ``label_of(run)`` names a run in the legend.
    """
    fig, (top, bottom) = subplots(2, 1, figsize=(8.5, 7.5), sharex=True, height_ratios=(3, 2))
    cmap = colormap("tab10")
    for i, run in enumerate(runs):
        c = run["curves"]
        color = cmap(i % 10)
        top.plot(np.arange(1, len(c["handmade"]) + 1), c["handmade"], color=color, lw=2,
                 label=f"{label_of(run)} handmade")
        top.plot(np.arange(1, len(c["torch"]) + 1), c["torch"], color="k", lw=0.9, ls="--")
        bottom.plot(np.arange(1, len(c["abs_diff"]) + 1), c["abs_diff"], color=color, lw=1, label=label_of(run))
    top.plot([], [], color="k", lw=0.9, ls="--", label=labels.torch)
    log_axis(top)
    log_axis(bottom)
    top.set_ylabel(labels.loss)
    top.set_title(title)
    top.legend(fontsize=7, ncol=2)
    top.grid(alpha=0.3)
    bottom.set_xlabel(labels.epoch)
    bottom.set_ylabel(labels.diff)
    bottom.grid(alpha=0.3)
    bottom.legend(fontsize=7, ncol=3)
    return fig
