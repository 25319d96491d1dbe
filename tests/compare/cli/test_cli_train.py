"""``mlp-parity train`` and ``mlp-parity sweep`` end to end: output, JSON/CSV, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from compare.cli.main import main
from handmade.data import letters


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
                 "--save-weights", str(tmp_path / "w.npz")]) == 0
    assert "30-4-2" in capsys.readouterr().out
    with np.load(tmp_path / "w.npz") as saved:
        assert saved["layers.0.weight"].shape == (4, 30)
    # Starting from those weights: epoch 1 of the new run has the saved run's final loss or lower.
    assert main(["train", "--data", str(tmp_path / "d.npz"), "--hidden", "4", "--epochs", "3",
                 "--init-from", str(tmp_path / "w.npz"), "--json", str(tmp_path / "r.json")]) == 0
    assert "weights from" in capsys.readouterr().out


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
