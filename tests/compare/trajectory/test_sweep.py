"""The grid runner: order, pluggable executors, batched groups, summary, CSV, and a cell that must fail."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

import handmade.optim
from compare.measure.tolerance import loss_floor_fraction, tolerance_for
from compare.run.executors import InlineExecutor
from compare.trajectory.grid import CSV_COLUMNS, SweepSetup, group_cells, make_grid, rows_to_csv, summarize_rows
from compare.trajectory.sweep import run_group, run_sweep
from compare.trajectory.training import compare_training
from handmade.contract.errors import InvalidInput
from handmade.data import letters
from handmade.model import MLP

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
    cells = make_grid(["tanh"], [0.1, 0.5], ["lecun_normal", "xavier_uniform"])
    result = run_sweep(cells, SweepSetup(X=X, Y=Y, hidden=(4,), epochs=10), jobs=2, progress=False)
    assert [(r["lr"], r["init"]) for r in result.rows] == [(c.lr, c.init) for c in cells]
    assert all(r["matched"] for r in result.rows)
    assert result.groups == 2 and [r["group_size"] for r in result.rows] == [2, 2, 2, 2]


def test_groups_share_everything_but_init_and_seed():
    cells = make_grid(["relu", "tanh"], [0.1, 1.0], ["xavier_uniform", "lecun_normal"], [0, 1, 2])
    groups = group_cells(cells, SETUP)
    assert len(groups) == 4 and all(len(g) == 6 for g in groups)
    for members in groups:
        assert len({(cells[i].activation, cells[i].lr) for i in members}) == 1
        assert len({(cells[i].init, cells[i].seed) for i in members}) == 6
    # With mini-batches the seed draws the batch order: one group per seed.
    minibatch = group_cells(cells, SweepSetup(X=X, Y=Y, batch_size=2))
    assert len(minibatch) == 12 and all(len({cells[i].seed for i in g}) == 1 for g in minibatch)
    # A cap cuts a group into near-equal pieces, in grid order.
    capped = group_cells(cells, SETUP, max_members=4)
    assert [len(g) for g in capped] == [3, 3] * 4 and capped[0] == [0, 1, 2]


XAVIER_KAIMING = ["xavier_uniform", "kaiming_normal"]


@pytest.mark.parametrize("optimizer, dtype, epochs, activations, lrs, inits, expected", [
    ("sgd", "float64", 60, ["relu", "sigmoid"], [0.1, 1.0], XAVIER_KAIMING, {"match"}),
    ("momentum", "float32", 60, ["relu", "tanh"], [0.1, 10.0], XAVIER_KAIMING, {"match", "both diverged"}),
    ("adam", "float64", 300, ["relu", "tanh"], [0.1], ["xavier_uniform", "lecun_normal"],
     {"match", "sensitive dynamics"}),  # tanh lecun_normal seed 1 parts at epoch ~173
])
def test_batched_sweep_gives_the_unbatched_verdicts(optimizer, dtype, epochs, activations, lrs, inits, expected):
    """Grouped training changes nothing a cell reports: same status, and every loss within tolerance.

    The grids hold plain matches, members that diverge (momentum at lr 10) and,
    with Adam at lr 0.1 over 300 epochs, runs that part and are re-synchronised.
    """
    setup = SweepSetup(X=X, Y=Y, hidden=(8,), epochs=epochs)
    cells = make_grid(activations, lrs, inits, [0, 1], [optimizer], [dtype])
    together = run_sweep(cells, setup, jobs=1, progress=False)
    apart = run_sweep(cells, setup, jobs=1, progress=False, batched=False)
    assert together.batched and together.groups == len(cells) // 4 and not apart.batched
    assert all(r["group_size"] == 4 for r in together.rows) and all(r["group_size"] == 1 for r in apart.rows)
    tol = tolerance_for(dtype).trajectory
    statuses = set()
    for cell, a, b in zip(cells, together.rows, apart.rows):
        where = (a["activation"], a["lr"], a["init"], a["seed"])
        assert (a["status"], a["matched"]) == (b["status"], b["matched"]), where
        assert a["handmade_diverged_at"] == b["handmade_diverged_at"], where
        assert a["epochs_handmade"] == b["epochs_handmade"] and a["epochs_torch"] == b["epochs_torch"], where
        if a["status"] == "match":  # every epoch within tolerance, and the last loss as the unbatched run's
            assert a["worst_rel_diff"] <= tol and b["worst_rel_diff"] <= tol, where
            # floored like the harness: below phi * L_1 a loss difference counts in units of phi * L_1
            net = MLP(setup.spec(cell))
            net.forward(X.astype(dtype))
            floor = loss_floor_fraction(dtype) * float(net.loss(Y.astype(dtype)))
            for side in ("final_loss_handmade", "final_loss_torch"):
                assert abs(a[side] - b[side]) <= tol * max(abs(a[side]), abs(b[side]), floor), where
        if a["status"] == "sensitive dynamics":  # re-synchronised as before: steps within the one-step bar
            step_tol = tolerance_for(dtype)
            allowed = max(step_tol.step, step_tol.spread_factor * (a["resync_worst_spread"] or 0.0))
            assert a["resync_epochs"] > 0 and a["checked_rel_diff"] <= allowed, where
        statuses.add(a["status"])
    assert summarize_rows(together.rows)["failed"] == 0
    assert statuses == expected


@pytest.mark.parametrize("batched", [True, False])
def test_a_cell_with_a_broken_step_fails(monkeypatch, batched):
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
    cells = make_grid(["relu", "tanh"], [0.01], ["xavier_uniform", "lecun_normal"], optimizers=["adam"])
    result = run_sweep(cells, SETUP, jobs=1, progress=False, batched=batched)
    assert result.summary["failed"] == 4 and result.groups == (2 if batched else 4)
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


def test_a_members_row_is_the_same_bits_in_a_group_of_any_size():
    """So a sweep's rows do not depend on how its groups were cut, hence not on the number of workers."""
    setup = SweepSetup(X=X, Y=Y, hidden=(8,), epochs=60)
    cells = make_grid(["tanh"], [0.5], ["xavier_uniform", "lecun_normal"], [0, 1], ["momentum"], ["float32"])
    together = run_group(cells, setup)
    alone = [run_group([cell], setup)[0] for cell in cells]
    for a, b in zip(together, alone):
        assert a["group_size"] == 4 and b["group_size"] == 1
        assert {k: v for k, v in a.items() if k not in ("seconds", "group_size")} == \
               {k: v for k, v in b.items() if k not in ("seconds", "group_size")}


def test_curves_are_the_losses_both_sides_trained():
    cells = make_grid(["relu", "tanh"], [0.1], ["xavier_uniform"])
    result = run_sweep(cells, replace(SETUP, curves=True), jobs=1, progress=False, batched=False)
    for cell, row in zip(cells, result.rows):
        alone = compare_training(SETUP.spec(cell), X, Y, SETUP.plan(cell))
        np.testing.assert_array_equal(row["curves"]["handmade"], alone.loss_handmade)
        np.testing.assert_array_equal(row["curves"]["torch"], alone.loss_torch)
        np.testing.assert_array_equal(row["curves"]["abs_diff"], np.abs(alone.loss_handmade - alone.loss_torch))
        assert len(row["curves"]["handmade"]) == row["epochs_handmade"] == 40
    assert "curves" not in run_sweep(cells, SETUP, jobs=1, progress=False).rows[0]  # only when asked for
