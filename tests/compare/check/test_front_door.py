"""What a new user meets first: a correct class checked with the wrong flags is pointed to the right ones,
and the usual slips (a typed name the constructor does not take, a text file, a file with no class, --out
with one file) are said as such - found by trying the tool as a new user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compare.check import CheckConfig, render
from compare.check.checker import run_check
from compare.check.report import to_html
from compare.cli.main import main

HERE = Path(__file__).parent
SIGMOID_NET = HERE / "corpus" / "lesson_sigmoid.py"       # correct: sigmoid hidden and output layers
CORRECT = HERE / "mutants" / "correct.py"                  # correct: relu -> identity, mse
F64 = ("float64",)


def test_a_sigmoid_network_checked_with_the_defaults_is_pointed_to_both_flags():
    report = run_check(str(SIGMOID_NET), CheckConfig(dtypes=F64, timeout=5))   # relu -> identity: not its own
    forward = report.check("forward output")
    assert forward.codes() == ["wrong_activations"]
    assert forward.findings[0].details["activation"] == forward.findings[0].details["output"] == "sigmoid"
    assert "--activation sigmoid --output-activation sigmoid" in forward.findings[0].message
    # Its backward is right for its own network: never "the backward itself is wrong" while the forward differs.
    card = render(report)
    assert "the backward itself is wrong" not in card and "or your network is another one" in card
    flagged = run_check(str(SIGMOID_NET), CheckConfig(dtypes=F64, timeout=5, activation="sigmoid",
                                                      output_activation="sigmoid", loss="half_sse"))
    assert flagged.passed, render(flagged)


def test_a_name_the_constructor_does_not_take_is_said_and_a_hidden_width_is_taken(tmp_path):
    typo = run_check(str(CORRECT), CheckConfig(dtypes=F64, timeout=5, init_args=(("hiden_size", 8),)))
    assert typo.status == "not checked"
    reason = str(typo.not_checked["reason"])
    assert "takes no hiden_size" in reason and "input_size, hidden_size, output_size" in reason
    narrow = run_check(str(CORRECT), CheckConfig(dtypes=F64, timeout=5, init_args=(("hidden_size", 8),)))
    assert narrow.passed and narrow.sizes == (30, 8, 3), render(narrow)


def test_a_class_that_stops_before_any_comparison_says_so(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("class Net:\n    def __init__(self, a, b, c)\n        pass\n")
    report = run_check(str(broken), CheckConfig(dtypes=F64, timeout=5))
    assert report.status == "failed"
    assert render(report).splitlines()[-1] == \
        "1 check, 1 failed: your code stopped before anything could be compared with torch"
    assert "differences from torch" not in to_html(report)


def test_the_card_says_the_network_it_was_compared_on_in_html_too():
    report = run_check(str(CORRECT), CheckConfig(dtypes=F64, timeout=5))
    assert "network 30-16-3 relu -&gt; identity, loss mse" in to_html(report)
    assert "сеть 30-16-3, relu -&gt; identity, функция потерь mse" in to_html(report, "ru")


@pytest.mark.parametrize(("name", "text", "said"), [
    ("notes.txt", "I could not finish the homework, sorry\n", "is not a Python file or notebook"),
    ("helpers.py", "import numpy as np\n\ndef forward(x):\n    return x\n", "defines no class"),
])
def test_a_file_the_tool_cannot_use_is_one_line_and_exit_2(tmp_path, capsys, name, text, said):
    (tmp_path / name).write_text(text)
    assert main(["check", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.splitlines()) == 1


def test_out_with_one_file_writes_a_gradebook_of_it(tmp_path, capsys):
    out = tmp_path / "book"
    assert main(["check", str(CORRECT), "--out", str(out), "--jobs", "1", "--dtype", "float64"]) == 0
    assert "1 submission: 1 passed" in capsys.readouterr().out
    assert json.loads((out / "gradebook.json").read_text())["summary"] == {"submissions": 1, "passed": 1}
