"""``mlp-parity train`` and ``mlp-parity sweep`` end to end: output, JSON/CSV, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest

import handmade.fast.step
from compare.cli.main import main
from compare.files.weights import load_weights
from handmade.contract.spec import MLPSpec
from handmade.data import letters
from handmade.model import MLP


def test_train_prints_both_losses_predictions_and_verdict(capsys, tmp_path):
    code = main(["train", "--epochs", "40", "--print-every", "20", "--lr", "0.1", "--json", str(tmp_path / "t.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "handmade loss" in out and "torch loss" in out
    assert "\n20 " in out and "\n40 " in out  # epochs printed every 20
    assert "final predictions" in out and "verdict: MATCH (match)" in out
    data = json.loads((tmp_path / "t.json").read_text())
    assert data["summary"]["checks"] == 1 and data["summary"]["failed"] == 0
    assert data["summary"]["worst_rel_diff"] <= 1e-10
    assert len(data["comparison"]["loss_handmade"]) == 40


def test_train_on_a_data_file_with_weights_in_and_out(capsys, tmp_path):
    X, Y = letters()
    np.savez(tmp_path / "d.npz", X=X[:2], Y=Y[:2, :2])
    assert main(["train", "--data", str(tmp_path / "d.npz"), "--hidden", "4", "--epochs", "5",
                 "--save-weights", str(tmp_path / "w.npz"), "--json", str(tmp_path / "first.json")]) == 0
    assert "30-4-2" in capsys.readouterr().out
    with np.load(tmp_path / "w.npz") as saved:
        assert saved["layers.0.weight"].shape == (4, 30)
    # Starting from those weights: epoch 1 of the new run is the loss of the saved weights themselves,
    # lower than the last loss the first run recorded (the loss before its last update).
    assert main(["train", "--data", str(tmp_path / "d.npz"), "--hidden", "4", "--epochs", "3",
                 "--init-from", str(tmp_path / "w.npz"), "--json", str(tmp_path / "r.json")]) == 0
    assert "weights from" in capsys.readouterr().out
    first = json.loads((tmp_path / "first.json").read_text())["comparison"]["loss_handmade"]
    second = json.loads((tmp_path / "r.json").read_text())["comparison"]["loss_handmade"]
    net = MLP(MLPSpec(sizes=(30, 4, 2)), load_weights(tmp_path / "w.npz"))
    net.forward(X[:2])
    assert second[0] == net.loss(Y[:2, :2]) < first[-1]


def test_sweep_small_grid_json_and_csv(capsys, tmp_path):
    code = main(["sweep", "--activations", "relu,tanh", "--lrs", "0.1", "--inits", "xavier_uniform",
                 "--epochs", "30", "--hidden", "8", "--jobs", "1", "--json", str(tmp_path / "s.json"),
                 "--csv", str(tmp_path / "s.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 cells" in out and "0 failed" in out and "wall time" in out
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["summary"]["checks"] == 2 and data["summary"]["failed"] == 0
    assert {r["activation"] for r in data["cells"]} == {"relu", "tanh"}
    lines = (tmp_path / "s.csv").read_text().splitlines()
    assert lines[0].startswith("activation,lr,init") and len(lines) == 3


@pytest.mark.parametrize("argv, message", [
    (["train", "--lr", "0"], "positive"),
    (["train", "--lr", "-0.5"], "positive"),
    (["train", "--epochs", "0"], "at least 1"),
    (["train", "--optimizer", "rmsprop"], "unknown optimizer"),
    (["sweep", "--lrs", "0.1,0"], "positive"),
    (["sweep", "--epochs", "0"], "at least 1"),
    (["sweep", "--optimizer", "sgd,adamm"], "unknown optimizer"),
])
def test_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:  # refused by the argument parser, before any work
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["train", "--batch-size", "4"], ["sweep", "--batch-size", "9", "--jobs", "1"]])
def test_batch_larger_than_the_data_exits_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "larger than the data" in err and "Traceback" not in err


def test_mismatched_rows_in_a_data_file_exit_2(capsys, tmp_path):
    X, Y = letters()
    np.savez(tmp_path / "bad.npz", X=X, Y=Y[:2])
    assert main(["train", "--data", str(tmp_path / "bad.npz")]) == 2
    assert "rows" in capsys.readouterr().err


def test_help_has_examples(capsys):
    for command in ("train", "sweep"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "examples:" in capsys.readouterr().out


def test_the_stopping_rule_stops_both_sides(capsys, tmp_path):
    out = tmp_path / "run.json"
    assert main(["train", "--stop-loss", "1e-3", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "handmade stopped after epoch" in printed and "target loss reached" in printed
    row = json.loads(out.read_text())["comparison"]["summary_row"]
    assert row["epochs_handmade"] == row["epochs_torch"] < 1000


def _sgd_one_percent_too_far(monkeypatch):
    """The bug where training runs: the fused step's in-place SGD (see tests/compare/trajectory)."""
    in_place = handmade.fast.step.sgd_in_place
    monkeypatch.setattr(handmade.fast.step, "sgd_in_place", lambda p, g, lr: in_place(p, g * 1.01, lr))


def test_a_mismatch_exits_1_and_says_where(capsys, tmp_path, monkeypatch):
    _sgd_one_percent_too_far(monkeypatch)
    assert main(["train", "--epochs", "20", "--json", str(tmp_path / "t.json")]) == 1
    out = capsys.readouterr().out
    assert "verdict: MISMATCH (mismatch)" in out and "re-synchronised step at epoch 1 disagrees" in out
    summary = json.loads((tmp_path / "t.json").read_text())["summary"]
    assert summary["checks"] == 1 and summary["failed"] == 1 and summary["worst_rel_diff"] > 1e-4


def test_a_sweep_with_a_failing_cell_exits_1(capsys, tmp_path, monkeypatch):
    _sgd_one_percent_too_far(monkeypatch)
    code = main(["sweep", "--activations", "relu", "--lrs", "0.1", "--inits", "xavier_uniform", "--epochs", "20",
                 "--jobs", "1", "--no-batch", "--json", str(tmp_path / "s.json")])
    assert code == 1
    assert "1 mismatch; 1 failed" in capsys.readouterr().out
    assert json.loads((tmp_path / "s.json").read_text())["summary"]["failed"] == 1
