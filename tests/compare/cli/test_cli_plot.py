"""``mlp-parity plot`` and ``sweep --plots``: the files, the index, and one clear line for bad input."""

from __future__ import annotations

import json
import re

import pytest

from compare.cli.main import main

GRID = ["--activations", "relu,sigmoid", "--lrs", "0.1", "--inits", "xavier_uniform", "--epochs", "20",
        "--jobs", "1", "--quiet"]
PNG = b"\x89PNG\r\n\x1a\n"
FIGURES = ["01-float64-sgd-relu-lr0.1.png", "02-float64-sgd-sigmoid-lr0.1.png", "overview.png"]


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """One sweep saved with --curves (and its figures drawn by sweep --plots), one without."""
    where = tmp_path_factory.mktemp("sweeps")
    assert main(["sweep", *GRID, "--curves", "--json", str(where / "curves.json"), "--plots",
                 str(where / "from_sweep")]) == 0
    assert main(["sweep", *GRID, "--json", str(where / "plain.json")]) == 0
    return where


def _figures(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.suffix == ".png")


def test_plot_writes_the_overview_one_figure_per_group_and_an_index(sweeps, tmp_path, capsys):
    out = tmp_path / "plots"
    assert main(["plot", str(sweeps / "curves.json"), "--out", str(out)]) == 0
    assert "2 cells: wrote 3 figures" in capsys.readouterr().out
    assert _figures(out) == FIGURES
    assert all((out / name).read_bytes().startswith(PNG) for name in _figures(out))
    index = (out / "index.html").read_text()
    assert sorted(re.findall(r'src="([^"]+)"', index)) == _figures(out)
    assert "2 cells" in index and "0 failed" in index
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_sweep_plots_draws_the_same_set(sweeps):
    assert _figures(sweeps / "from_sweep") == FIGURES
    assert (sweeps / "from_sweep" / "index.html").exists()


def test_the_default_output_is_beside_the_json(sweeps, capsys):
    assert main(["plot", str(sweeps / "curves.json")]) == 0
    assert (sweeps / "curves_plots" / "index.html").exists()
    capsys.readouterr()


def _bad_inputs(sweeps, tmp_path) -> dict:
    text = (sweeps / "curves.json").read_text()
    cases = {
        "truncated": (text[: len(text) // 2], "truncated"),
        "not json": ("activation,lr\nrelu,0.1\n", "not valid JSON"),
        "another command's JSON": (json.dumps({"schema_version": 1, "summary": {"checks": 1}}), "not a sweep result"),
        "newer schema": (text.replace('"schema_version": 1', '"schema_version": 99', 1), "schema_version 99"),
        "edited curve": (text.replace('"handmade": [', '"handmade": ["x", ', 1), "not a number"),
    }
    paths = {}
    for name, (content, expected) in cases.items():
        path = tmp_path / f"{name.replace(' ', '_')}.json"
        path.write_text(content)
        paths[name] = (path, expected)
    paths["without --curves"] = (sweeps / "plain.json", "run the sweep again with --curves")
    paths["binary"] = (sweeps / "from_sweep" / "overview.png", "not a text file")
    paths["missing"] = (tmp_path / "nowhere.json", "No such file")
    paths["a directory"] = (tmp_path, "is a directory")
    return paths


@pytest.mark.parametrize("case", ["truncated", "not json", "another command's JSON", "newer schema", "edited curve",
                                  "without --curves", "binary", "missing", "a directory"])
def test_bad_input_is_one_line_and_exit_2_and_writes_nothing(case, sweeps, tmp_path, capsys):
    path, expected = _bad_inputs(sweeps, tmp_path)[case]
    out = tmp_path / "out"
    assert main(["plot", str(path), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("mlp-parity plot: error: "), captured.err
    assert expected in captured.err
    assert not out.exists()


def test_plots_into_a_file_is_refused_before_the_sweep_runs(tmp_path, capsys):
    target = tmp_path / "a_file"
    target.write_text("")
    with pytest.raises(SystemExit) as stop:
        main(["sweep", *GRID, "--plots", str(target)])
    assert stop.value.code == 2 and "is not a directory" in capsys.readouterr().err


def test_a_default_output_that_cannot_be_a_directory_is_one_line(sweeps, tmp_path, capsys):
    saved = tmp_path / "s.json"
    saved.write_bytes((sweeps / "curves.json").read_bytes())
    (tmp_path / "s_plots").write_text("a file where the figures would go")
    assert main(["plot", str(saved)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists and is not a directory; give --out DIR" in err
