"""The figures of a saved sweep draw exactly the sweep's records: curves, per-cell differences, final losses."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from compare.cli.main import main
from compare.figures.sweeps import group_figure, overview_figure, plot_groups
from compare.trajectory.saved import load_sweep

# float32 SGD at lr 10 blows up: its curves hold "inf"/"nan", its final loss is not finite.
GRID = ["--activations", "relu,tanh", "--lrs", "0.1,10", "--inits", "xavier_uniform,lecun_normal", "--seeds", "0,1",
        "--epochs", "40", "--dtype", "float32", "--jobs", "1", "--quiet", "--curves"]


def _as_float(value):
    return {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}.get(value, value)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real sweep saved with --curves, and its JSON as any reader would parse it."""
    path = tmp_path_factory.mktemp("sweep") / "sweep.json"
    assert main(["sweep", *GRID, "--json", str(path)]) == 0
    raw = json.loads(path.read_text())
    return path, raw


def test_the_saved_sweep_has_every_cells_curves(saved):
    _, raw = saved
    assert len(raw["cells"]) == 16
    for row in raw["cells"]:
        curves = row["curves"]
        assert len(curves["handmade"]) == row["epochs_handmade"] and len(curves["torch"]) == row["epochs_torch"]
        assert _as_float(curves["handmade"][-1]) == _as_float(row["final_loss_handmade"]) or \
            math.isnan(_as_float(row["final_loss_handmade"]))
    assert {r["status"] for r in raw["cells"]} >= {"match", "both diverged"}
    assert any("inf" in r["curves"]["handmade"] or "nan" in r["curves"]["handmade"] for r in raw["cells"])


def test_each_group_figure_draws_the_json_curves(saved):
    path, raw = saved
    rows = load_sweep(path)["cells"]
    groups = plot_groups(rows)
    assert [g.key for g in groups] == [("float32", "sgd", "mse", a, lr) for a in ("relu", "tanh") for lr in (0.1, 10.0)]
    by_cell = {(r["activation"], r["lr"], r["init"], r["seed"]): r["curves"] for r in raw["cells"]}
    for group in groups:
        top, bottom = group_figure(group, rows).axes
        assert len(group.rows) == 4
        for i, row in enumerate(group.rows):
            expected = {k: np.array([_as_float(v) for v in values], dtype=float)
                        for k, values in by_cell[row["activation"], row["lr"], row["init"], row["seed"]].items()}
            mine, theirs, diff = top.lines[2 * i], top.lines[2 * i + 1], bottom.lines[i]
            np.testing.assert_array_equal(mine.get_ydata(), expected["handmade"])
            np.testing.assert_array_equal(theirs.get_ydata(), expected["torch"])
            np.testing.assert_array_equal(diff.get_ydata(), expected["abs_diff"])
            np.testing.assert_array_equal(mine.get_xdata(), np.arange(1, len(expected["handmade"]) + 1))
            assert mine.get_linestyle() == "-" and theirs.get_linestyle() == "--"
            assert mine.get_label() == f"{row['init']} seed {row['seed']} handmade"


def test_the_overview_heatmaps_are_the_cells_log10_differences_and_losses(saved):
    path, raw = saved
    figure = overview_figure(load_sweep(path)["cells"])
    diff_ax, loss_ax = (ax for ax in figure.axes if ax.images)
    diff, loss = diff_ax.images[0].get_array(), loss_ax.images[0].get_array()
    labels = [t.get_text() for t in diff_ax.get_yticklabels()]
    assert diff.shape == (8, 2) and [t.get_text() for t in diff_ax.get_xticklabels()] == ["lr 0.1", "lr 10"]
    for row in raw["cells"]:
        i = labels.index(f"{row['activation']} {row['init']} seed {row['seed']}")
        j = [0.1, 10.0].index(row["lr"])
        assert diff[i, j] == pytest.approx(math.log10(_as_float(row["checked_rel_diff"])), abs=1e-12)
        final = _as_float(row["final_loss_handmade"])
        if math.isfinite(final):
            assert loss[i, j] == pytest.approx(math.log10(final), abs=1e-12)
        else:  # masked: drawn grey and written "diverged"
            assert np.ma.is_masked(loss[i, j]) and row["status"] == "both diverged"


def test_a_failed_cell_is_marked_on_the_overview(saved):
    path, _ = saved
    rows = load_sweep(path)["cells"]
    failed = rows[5]
    failed.update(status="mismatch", matched=False)  # as a sweep records a re-synchronised step that disagrees
    diff_ax = next(ax for ax in overview_figure(rows).axes if ax.images)
    labels = [t.get_text() for t in diff_ax.get_yticklabels()]
    where = (float([0.1, 10.0].index(failed["lr"])),
             float(labels.index(f"{failed['activation']} {failed['init']} seed {failed['seed']}")))
    marked = [text.get_position() for text in diff_ax.texts if text.get_text() == "MISMATCH"]
    assert marked == [where]
