"""The grid runner: order, pluggable executors, summary, CSV, and a cell that must fail."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import handmade.optim
from compare.sweep import CSV_COLUMNS, InlineExecutor, SweepSetup, make_grid, rows_to_csv, run_sweep, summarize_rows
from handmade.data import letters
from handmade.errors import InvalidInput

X, Y = letters()
SETUP = SweepSetup(X=X, Y=Y, hidden=(8,), epochs=40)


def test_grid_is_the_full_product_in_a_fixed_order():
    cells = make_grid(["relu", "tanh"], [0.1, 1.0], ["xavier_uniform"], [0, 1], ["sgd", "adam"], ["float64"])
    assert len(cells) == 2 * 2 * 2 * 2
    assert cells[0].optimizer == "sgd" and cells[0].activation == "relu" and cells[0].seed == 0
    assert cells[1].seed == 1 and cells[-1].optimizer == "adam" and cells[-1].activation == "tanh"


def test_serial_and_plugged_executors_give_the_same_rows():
    cells = make_grid(["relu", "sigmoid"], [0.1], ["xavier_uniform"])
    serial = run_sweep(cells, SETUP, jobs=1, progress=False)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = run_sweep(cells, SETUP, executor=pool, progress=False)
    assert [r["activation"] for r in serial.rows] == ["relu", "sigmoid"]
    for a, b in zip(serial.rows, threaded.rows):
        assert a["status"] == b["status"] == "match"
        assert a["worst_rel_diff"] == b["worst_rel_diff"]  # deterministic
    summary = serial.summary
    assert summary["checks"] == 2 and summary["failed"] == 0
    assert 0 <= summary["worst_rel_diff"] <= 1e-10


def test_process_pool_runs_cells():
    cells = make_grid(["tanh"], [0.1, 0.5], ["lecun_normal"])
    result = run_sweep(cells, SweepSetup(X=X, Y=Y, hidden=(4,), epochs=10), jobs=2, progress=False)
    assert [r["lr"] for r in result.rows] == [0.1, 0.5]
    assert all(r["matched"] for r in result.rows)


def test_a_cell_with_a_broken_step_fails(monkeypatch):
    """Proof that the grid catches a bug: Adam's bias correction 1 - beta1^t replaced by 1 (t >= 2)."""
    original = handmade.optim.Adam._update

    def update(self, p, g, state):
        if self.t >= 2:
            self.t, saved = 10_000, self.t  # beta^t ~ 0: no bias correction
            try:
                original(self, p, g, state)
            finally:
                self.t = saved
        else:
            original(self, p, g, state)

    monkeypatch.setattr(handmade.optim.Adam, "_update", update)
    cells = make_grid(["relu", "tanh"], [0.01], ["xavier_uniform"], optimizers=["adam"])
    result = run_sweep(cells, SETUP, jobs=1, progress=False)
    assert result.summary["failed"] == 2
    for row in result.rows:
        assert row["status"] == "mismatch" and row["mismatch_epoch"] == 2 and row["first_over"] <= 3


def test_summary_and_csv():
    rows = [
        {"status": "match", "matched": True, "checked_rel_diff": 1e-14, "worst_rel_diff": 1e-14},
        {"status": "sensitive dynamics", "matched": True, "checked_rel_diff": 3e-14, "worst_rel_diff": 0.5},
        {"status": "mismatch", "matched": False, "checked_rel_diff": 1e-3, "worst_rel_diff": 0.2},
    ]
    summary = summarize_rows(rows)
    assert summary["checks"] == 3 and summary["failed"] == 1
    assert summary["worst_rel_diff"] == 1e-3 and summary["worst_trajectory_rel_diff"] == 0.5
    assert summary["statuses"] == {"match": 1, "sensitive dynamics": 1, "mismatch": 1}
    text = rows_to_csv(rows)
    parsed = list(csv.reader(io.StringIO(text)))
    assert tuple(parsed[0]) == CSV_COLUMNS and len(parsed) == 4
    assert parsed[1][CSV_COLUMNS.index("status")] == "match"


def test_bad_input_is_refused_before_any_work():
    with pytest.raises(InvalidInput, match="larger than the data"):
        run_sweep(make_grid(["relu"], [0.1], ["xavier_uniform"]), SweepSetup(X=X, Y=Y, batch_size=5), jobs=1)
    with pytest.raises(InvalidInput, match="rows"):
        run_sweep(make_grid(["relu"], [0.1], ["xavier_uniform"]), SweepSetup(X=X, Y=Y[:2]), jobs=1)
    with pytest.raises(InvalidInput, match="learning rate"):
        run_sweep(make_grid(["relu"], [-0.1], ["xavier_uniform"]), SETUP, jobs=1)


def test_inline_executor_delivers_exceptions_through_the_future():
    future = InlineExecutor().submit(np.log, "not a number")
    with pytest.raises(TypeError):
        future.result()
