"""Every subcommand: --help teaches with examples; every user error is one line and exit 2.

Walks the commands ``compare.cli`` discovers, so a new subcommand is covered with no new test.
"""

import numpy as np
import pytest

from compare.cli.main import COMMANDS as COMMAND_MODULES
from compare.cli.main import build_parser, main

COMMANDS = [module.NAME for module in COMMAND_MODULES]


def test_all_six_commands_are_there():
    assert {"study", "grads", "train", "sweep", "check", "bench"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_has_examples_of_itself(command, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert f"  mlp-parity {command}" in out


@pytest.fixture
def files(tmp_path):
    return write_files(tmp_path)


def write_files(tmp_path):
    """The bad (and a few good) input files the CASES below name as {d}/..."""
    X, Y = np.eye(3, 30), np.eye(3)
    bad = X.copy()
    bad[0, 0] = np.nan
    np.savez(tmp_path / "nan.npz", X=bad, Y=Y)
    inf = X.copy()
    inf[2, 5] = np.inf
    np.savez(tmp_path / "inf.npz", X=inf, Y=Y)
    np.savez(tmp_path / "onedim.npz", X=np.ones(30), Y=Y)
    np.savez(tmp_path / "rows.npz", X=X.reshape(15, 6), Y=Y)  # the lesson's 15 rows of 6 pixels
    (tmp_path / "text.csv").write_text("x0,x1,y0\n1,a,0\n")
    (tmp_path / "ragged.csv").write_text("x0,x1,y0\n1,2,0\n3,4\n")
    (tmp_path / "latin1.csv").write_bytes("x0,y0\n1,0\n# caf\xe9\n".encode("latin-1"))
    (tmp_path / "data.txt").write_text("1\n")
    np.savez(tmp_path / "small_net.npz", **{"layers.0.weight": np.ones((4, 30)), "layers.0.bias": np.ones(4)})
    (tmp_path / "afile").write_text("not a directory\n")
    return tmp_path


CASES = [
    (["train", "--data", "{d}/missing.npz"], "does not exist"),
    (["train", "--data", "{d}/nan.npz"], "NaN or inf"),
    (["train", "--data", "{d}/inf.npz"], "row 2, column 5"),
    (["train", "--data", "{d}/onedim.npz"], "1-D"),
    (["train", "--data", "{d}/rows.npz"], "X has 15 rows but Y has 3"),
    (["train", "--data", "{d}/text.csv"], "line 2, column 'x1': 'a' is not a number"),
    (["train", "--data", "{d}/ragged.csv"], "line 3 has 2 values, the header has 3 columns"),
    (["train", "--data", "{d}/latin1.csv"], "is not UTF-8 text"),
    (["train", "--data", "{d}/data.txt"], "unsupported data format"),
    (["train", "--activation", "rleu"], "did you mean 'relu'"),
    (["train", "--init", "xavier_unifrom"], "did you mean 'xavier_uniform'"),
    (["train", "--optimizer", "adma"], "did you mean 'adam'"),
    (["train", "--init-from", "{d}/small_net.npz"], "holds a 30-4 network, not 30-16-3"),
    (["train", "--save-weights", "{d}/w.h5"], "supported formats are"),
    (["train", "--json", "{d}"], "is a directory"),
    (["train", "--json", "{d}/r.json", "--save-weights", "{d}/r.json"], "supported formats are"),
    (["train", "--json", "{d}/w.npz", "--save-weights", "{d}/w.npz"], "--json and --save-weights both name"),
    (["train", "--save-weights", "{d}/afile/w.npz"], "is not a writable directory"),
    (["train", "--lr", "0"], "'0' must be a positive finite number"),
    (["sweep", "--json", "{d}/r.out", "--csv", "{d}/r.out"], "--json and --csv both name"),
    (["sweep", "--csv", "{d}"], "is a directory"),
    (["train", "--json", ""], "an empty file name"),
    (["grads", "--json", "-"], "'-' (standard output) is not supported here"),
    # argparse would read --out as an abbreviation of --output-activation: abbreviations are off.
    (["check", "x.py:A", "--output", "{d}"], "unrecognized arguments: --output"),  # not --output-activation
    (["train", "--epoch", "5"], "unrecognized arguments: --epoch"),
    (["sweep", "--activations", "relu,sigmod"], "did you mean 'sigmoid'"),
    (["sweep", "--lrs", "0.1,-1"], "positive"),
    (["sweep", "--data", "{d}/nan.npz", "--jobs", "1"], "NaN or inf"),
    (["grads", "--losses", "mes"], "did you mean 'mse'"),
    (["check", "--loss", "msee", "x.py:A"], "did you mean 'mse'"),
    (["check", "{d}/nosuch.py:Net"], "no such file"),
    (["study", "--out", "{d}/afile"], "not a directory"),
    (["study", "--lang", "de"], "invalid choice"),
    (["bench", "--sizes", "tinny"], "unknown size"),
]


@pytest.mark.parametrize("argv, message", CASES, ids=[" ".join(a[:2]) + f" #{i}" for i, (a, _) in enumerate(CASES)])
def test_user_errors_are_one_line_and_exit_2(argv, message, files, capsys):
    argv = [a.format(d=files) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # refused by the argument parser before any work
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in err
