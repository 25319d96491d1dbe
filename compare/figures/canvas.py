"""Figures without pyplot: ``matplotlib.figure.Figure`` objects, saved as PNG through the Agg renderer.

No pyplot means no global backend and no figure registry: the CLI, the tests, worker
processes and a Jupyter session drawing a report all get the same files, and nobody's
interactive backend is switched.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter

from compare.files.atomic import atomic_write


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], **kwargs):
    """``(figure, axes)`` as ``pyplot.subplots`` returns them, on a figure pyplot knows nothing of."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def colormap(name: str):
    return matplotlib.colormaps[name]


def log_axis(ax) -> None:
    """A log y axis that leaves out zeros (an epoch where both sides agree bit for bit has difference 0)."""
    ax.set_yscale("log", nonpositive="mask")
    # Plain "1e-12" labels: the default mathtext labels cost ~0.1 s of parsing per axis.
    ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=True))


def save_figure(fig: Figure, path: str | Path, dpi: int = 110) -> Path:
    """Save ``fig`` as PNG, atomically (a temporary file renamed into place)."""
    return atomic_write(path, lambda handle: fig.savefig(handle, format="png", dpi=dpi, bbox_inches="tight"))
