"""Output paths: checked before the run, fixed before user code runs, named as typed in every error;
and what `train` prints stays readable when a run blows up."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np

from compare.cli.main import main
from compare.cli.options import OutputPath, output_file

ROOT = Path(__file__).resolve().parents[3]


def test_an_output_path_is_fixed_when_the_command_line_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = output_file("out/r.json")
    assert isinstance(path, OutputPath) and str(path) == "out/r.json"  # shown as typed
    monkeypatch.chdir("/")
    assert Path(path) == tmp_path / "out" / "r.json"  # written where it was meant, wherever the process is now


def test_user_code_that_changes_directory_does_not_move_the_json(tmp_path, monkeypatch, capsys):
    """check runs the user's file; a chdir at its top must not send --json elsewhere."""
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    source = (ROOT / "examples" / "student_mlp.py").read_text()
    (here / "student.py").write_text(f"import os\nos.chdir({str(elsewhere)!r})\n{source}")
    monkeypatch.chdir(here)
    code = main(["check", "student.py:NeuralNetwork", "--output-activation", "relu", "--dtype", "float64",
                 "--json", "r.json"])
    assert code == 1  # the example's own bug, found
    assert (here / "r.json").is_file() and not (elsewhere / "r.json").exists()
    assert "Traceback" not in capsys.readouterr().err


def _small_files_only():
    """In the child: files may not grow past 2000 bytes (EFBIG, as a full disk gives ENOSPC)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel ends the process instead of failing the write
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))


def test_a_write_that_fails_names_the_file_as_typed_and_leaves_nothing(tmp_path):
    """A real failed write (the file size limit), not a simulated one: one line naming r.json, exit 2."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # no .pyc writes running into the limit
    done = subprocess.run([sys.executable, "-m", "compare", "train", "--epochs", "3", "--json", "r.json"],
                          cwd=tmp_path, env=env, preexec_fn=_small_files_only, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 2
    assert done.stderr == "mlp-parity train: error: r.json: File too large\n"
    assert list(tmp_path.iterdir()) == []  # neither r.json nor its temporary file


def test_a_diverging_run_prints_short_rows_in_scientific_notation(capsys):
    """lr 5 drives the predictions to ~1e19: fixed notation printed 20-digit numbers in ~200-character rows."""
    assert main(["train", "--lr", "5", "--epochs", "50"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^[0-2] +\[", line)]
    assert len(rows) == 3
    assert all(re.search(r"-?\d\.\d{3}e\+1[89]", row) for row in rows)
    assert not re.search(r"\d{8,}", out)  # no long runs of digits anywhere
    assert max(len(line) for line in out.splitlines()) < 160
    assert re.search(r"max \|handmade - torch\| over all predictions: \S+ \(relative \d\.\d\de-1[0-6]\)", out)


def test_a_wide_output_layer_is_cut_to_a_few_values(tmp_path, capsys):
    X, Y = np.eye(4, 5), np.eye(4, 40)
    np.savez(tmp_path / "wide.npz", X=X, Y=Y)
    main(["train", "--data", str(tmp_path / "wide.npz"), "--epochs", "5", "--hidden", "3"])
    out = capsys.readouterr().out
    assert "... (34 more)]" in out
    assert max(len(line) for line in out.splitlines()) < 200
