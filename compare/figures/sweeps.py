"""The figures of a saved sweep: one paired-curve figure per group, and a grid overview.

Rows are a sweep's cells as ``compare.trajectory.saved.load_sweep`` returns them (each
with ``curves``). A *plot group* is every cell of one (dtype, optimizer, activation,
learning rate): the cells that differ only in initialiser and seed, drawn together as in
the study (handmade solid, torch dashed, |L_h - L_t| below; ``curves.pair_panels``). The
overview draws two heatmaps over the swept axes: the worst checked relative difference
(``checked_rel_diff``, what the summary's ``worst_rel_diff`` is the largest of) and the
handmade side's final loss, both as log10. Figures draw what the sweep recorded; they
compute nothing but the layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from compare.figures.canvas import colormap, subplots
from compare.figures.curves import pair_panels

AXES = ("dtype", "optimizer", "activation", "lr", "init", "seed")  # the order of make_grid
GROUP_AXES = ("dtype", "optimizer", "activation", "lr")
MEMBER_AXES = ("init", "seed")
ANNOTATE_UP_TO = 300  # heatmap cells; beyond that the numbers would not be readable


def axis_text(axis: str, value) -> str:
    return f"lr {value:g}" if axis == "lr" else f"seed {value}" if axis == "seed" else str(value)


def varying(rows: list[dict], axes=AXES) -> list[str]:
    """The axes along which ``rows`` take more than one value."""
    return [axis for axis in axes if len({row[axis] for row in rows}) > 1]


@dataclass
class PlotGroup:
    """The cells of one (dtype, optimizer, activation, lr), in grid order."""

    key: tuple
    rows: list[dict]

    @property
    def title(self) -> str:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        statuses = ", ".join(f"{n} {status}" for status, n in counts.items())
        return ", ".join(axis_text(a, v) for a, v in zip(GROUP_AXES, self.key)) + f": {statuses}"

    @property
    def parts(self) -> list[str]:
        """The group's values as short words (``float64``, ``sgd``, ``tanh``, ``lr0.5``), for a file name."""
        return [axis_text(a, v).replace(" ", "") for a, v in zip(GROUP_AXES, self.key)]


def plot_groups(rows: list[dict]) -> list[PlotGroup]:
    """Rows by (dtype, optimizer, activation, lr), groups in the order of their first row."""
    groups: dict[tuple, PlotGroup] = {}
    for row in rows:
        key = tuple(row[axis] for axis in GROUP_AXES)
        groups.setdefault(key, PlotGroup(key, [])).rows.append(row)
    return list(groups.values())


def group_figure(group: PlotGroup, all_rows: list[dict]):
    """Both sides' loss per epoch of every member, and |L_h - L_t| below; members named by what varies."""
    named = varying(all_rows, MEMBER_AXES) or ["init"]
    return pair_panels(group.rows, lambda row: " ".join(axis_text(a, row[a]) for a in named), group.title)


def _layout(rows: list[dict]) -> tuple[str, list[str]]:
    """The heatmap's column axis (lr if it varies, else the last axis that does) and its row axes."""
    axes = varying(rows) or ["lr"]
    column = "lr" if "lr" in axes else axes[-1]
    return column, [a for a in axes if a != column]


def _grid(rows: list[dict], column: str, row_axes: list[str], value) -> tuple[np.ndarray, list, list]:
    """A (row labels x column values) matrix of ``value(row)``; the largest where cells coincide."""
    columns = sorted({row[column] for row in rows}, key=lambda v: (isinstance(v, str), v))
    labels = list(dict.fromkeys(tuple(row[a] for a in row_axes) for row in rows))
    matrix = np.full((len(labels), len(columns)), np.nan)
    for row in rows:
        i, j = labels.index(tuple(row[a] for a in row_axes)), columns.index(row[column])
        v = value(row)
        matrix[i, j] = v if np.isnan(matrix[i, j]) else max(matrix[i, j], v)
    return matrix, labels, columns


def _log10(x: float) -> float:
    return math.log10(x) if math.isfinite(x) and x > 0 else math.nan


def _heatmap(ax, fig, matrix: np.ndarray, marks: np.ndarray, title: str, cmap: str) -> None:  # noqa: PLR0913 - one panel
    """``matrix`` (log10 values; nan = nothing finite to show) drawn with its colour bar; ``marks`` written in."""
    shown = np.ma.masked_invalid(matrix)
    palette = colormap(cmap).with_extremes(bad="0.85")
    image = ax.imshow(shown, aspect="auto", cmap=palette, interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8, label=f"log10 {title}")
    ax.set_title(title, fontsize=9)
    if matrix.size <= ANNOTATE_UP_TO:
        for (i, j), text in np.ndenumerate(marks):
            r, g, b, _ = palette(image.norm(matrix[i, j])) if not np.isnan(matrix[i, j]) else (1, 1, 1, 1)
            ink = "k" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "w"  # readable on the cell's colour
            ax.text(j, i, text, ha="center", va="center", fontsize=6, color=ink)


def overview_figure(rows: list[dict]):
    """Heatmaps over the swept axes: log10 worst checked relative difference, and log10 final loss (handmade).

    Cells that failed are marked "MISMATCH"; diverged cells (no finite final loss) are grey.
    """
    column, row_axes = _layout(rows)
    diff, labels, columns = _grid(rows, column, row_axes, lambda r: _log10(r["checked_rel_diff"]))
    loss, _, _ = _grid(rows, column, row_axes, lambda r: _log10(r["final_loss_handmade"]))
    status = {(tuple(r[a] for a in row_axes), r[column]): r for r in rows}

    def mark(i: int, j: int, values: np.ndarray) -> str:
        row = status[labels[i], columns[j]]
        if not row.get("matched", True):
            return "MISMATCH"
        return "diverged" if np.isnan(values[i, j]) and "diverged" in row["status"] else (
            "" if np.isnan(values[i, j]) else f"{values[i, j]:.1f}")

    height = 1.8 + 0.28 * len(labels)
    fig, (left, right) = subplots(1, 2, figsize=(2 * (3.4 + 0.8 * len(columns)), height), squeeze=True)
    fig.set_layout_engine("constrained")  # row labels and colour bars sized to fit, never overlapping
    for ax, values, title, cmap in ((left, diff, "worst checked relative difference", "magma"),
                                    (right, loss, "final loss (handmade)", "viridis")):
        marks = np.array([[mark(i, j, values) for j in range(len(columns))] for i in range(len(labels))])
        _heatmap(ax, fig, values, marks, title, cmap)
        ax.set_xticks(range(len(columns)), [axis_text(column, c) for c in columns], fontsize=7, rotation=30)
        ax.set_yticks(range(len(labels)), [" ".join(axis_text(a, v) for a, v in zip(row_axes, label))
                                           for label in labels], fontsize=7)
    fig.suptitle(f"{len(rows)} cells: rows {' x '.join(row_axes) or '-'}, columns {column}", fontsize=10)
    return fig
