"""A course's submissions, one gradebook: every row right, nothing stops the batch, re-runs come from the cache,
and a Dask cluster gives the rows a local run gives."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import nbformat
import pytest

import compare.gradebook.book as book_module
from compare.check import CheckConfig
from compare.cli.main import main
from compare.gradebook.book import run_gradebook
from compare.gradebook.submissions import collect, is_batch
from compare.run.executors import InlineExecutor

MUTANTS = Path(__file__).parents[1] / "check" / "mutants"
CORRECT = (MUTANTS / "correct.py").read_text()
BUGGY = CORRECT.replace("d_output = 2 * (output - Y) / (n * Y.shape[1])", "d_output = 2 * (output - Y) / n")
NOTEBOOK_CLASS = CORRECT.replace("class NeuralNetwork:", "class NotebookNet:")
CONFIG = CheckConfig(timeout=1.0)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A folder as a teacher gets it: correct, buggy, hanging, crashing, not Python, a notebook, and noise."""
    root = tmp_path_factory.mktemp("course")
    (root / "alice").mkdir()
    (root / "alice" / "homework.py").write_text(CORRECT)
    (root / "bob.py").write_text(BUGGY)
    (root / "carol.py").write_text("while True:\n    pass\n")                  # never finishes importing
    (root / "dave.py").write_text("import numpy\nraise SystemExit('I give up')\n")
    (root / "erin.txt").write_text("my answers are in the attached word file\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(NOTEBOOK_CLASS), nbformat.v4.new_code_cell("NotebookNet(2, 3, 1).train()")]
    (root / "frank.ipynb").write_text(nbformat.writes(nb))
    (root / ".ipynb_checkpoints").mkdir()
    (root / ".ipynb_checkpoints" / "frank-checkpoint.ipynb").write_text(nbformat.writes(nb))   # hidden: skipped
    return root


EXPECTED = {  # submission -> (status, first wrong, words of the headline diagnosis)
    "alice/homework.py": ("passed", None, "everything matches torch"),
    "bob.py": ("failed", "W2", "3 x torch's"),
    "carol.py": ("failed", "load", "did not return within 1 s"),
    "dave.py": ("failed", "load", "SystemExit('I give up')"),
    "erin.txt": ("not checked", None, "not a Python file or notebook (.txt"),
    "frank.ipynb": ("passed", None, "everything matches torch"),
}


@pytest.fixture(scope="module")
def local_book(course, tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    return run_gradebook(collect([str(course)]), CONFIG, out, cap=60, jobs=2, progress=False), out


def test_every_row_of_a_mixed_course_is_right_and_the_batch_finishes(local_book):
    book, out = local_book
    assert [r["submission"] for r in book.rows] == sorted(EXPECTED)
    for r in book.rows:
        status, first, words = EXPECTED[r["submission"]]
        assert (r["status"], r["first_wrong"]) == (status, first), r
        assert words in r["diagnosis"], r
        assert not r["cached"] and len(r["sha256"]) == 64


def test_the_gradebook_is_a_csv_a_json_and_one_html_page_with_every_card(local_book):
    book, out = local_book
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert [r["submission"] for r in rows] == sorted(EXPECTED) and rows[1]["status"] == "failed"
    data = json.loads((out / "gradebook.json").read_text())
    assert data["summary"] == {"submissions": 6, "passed": 2, "failed": 3, "not checked": 1}
    assert len(data["reports"]) == 6 and data["reports"][4] is None          # erin.txt was never run
    page = (out / "gradebook.html").read_text()
    assert page.count("<section id=") == 6 and page.count("class='mlp-parity-check'") == 5
    assert "/tmp/" not in json.dumps(data["reports"])   # messages name the file as the teacher named it


def test_a_second_run_takes_every_row_from_the_cache_and_new_options_do_not(local_book, course, monkeypatch):
    book, out = local_book

    def no_checking(*args, **kwargs):
        raise AssertionError("a cached submission was checked again")

    monkeypatch.setattr(book_module, "grade", no_checking)
    again = run_gradebook(collect([str(course)]), CONFIG, out, cap=60, jobs=1, progress=False)
    assert all(r["cached"] for r in again.rows)
    assert [{k: v for k, v in r.items() if k != "cached"} for r in again.rows] == \
           [{k: v for k, v in r.items() if k != "cached"} for r in book.rows]
    with pytest.raises(AssertionError, match="checked again"):   # other options: another key
        run_gradebook(collect([str(course / "bob.py")]), CheckConfig(timeout=2.0), out, cap=60, jobs=1,
                      progress=False)


def test_a_submission_is_capped_as_a_whole(tmp_path):
    slow = CORRECT.replace("    def forward(self, X):\n", "    def forward(self, X):\n        import time\n"
                                                             "        time.sleep(0.4)\n")
    (tmp_path / "slow.py").write_text(slow)
    book = run_gradebook(collect([str(tmp_path / "slow.py")]), CONFIG, tmp_path / "out", cap=3, jobs=1,
                         progress=False)
    assert book.rows[0]["status"] == "failed" and book.rows[0]["seconds"] < 20
    report = json.dumps(book.reports[0])
    assert "the time allowed for this class ran out" in report


def test_on_a_dask_cluster_the_rows_are_the_local_rows(local_book, course, tmp_path, dask_scheduler):
    book, _ = local_book
    remote = run_gradebook(collect([str(course)]), CONFIG, tmp_path, cap=60, scheduler=dask_scheduler,
                           progress=False)
    assert remote.executor["kind"] == "dask"

    def same(rows):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in rows]

    assert same(remote.rows) == same(book.rows)


def test_the_command_line_takes_a_folder_a_glob_or_several_files(course, tmp_path, capsys):
    assert is_batch([str(course)]) and is_batch([str(course / "*.py")]) and not is_batch([str(course / "bob.py")])
    assert main(["check", str(course / "b*.py"), str(course / "dave.py"), "--out", str(tmp_path), "--timeout", "1",
                 "--jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "2 submissions: 2 failed" in printed and (tmp_path / "gradebook.html").is_file()
    assert main(["check", str(course), "--json", str(tmp_path / "x.json")]) == 2
    assert "--out DIR writes gradebook.json" in capsys.readouterr().err
    assert main(["check", str(tmp_path / "empty*.py")]) == 2


def test_inline_execution_gives_the_same_rows(course, tmp_path, local_book):
    book, _ = local_book
    serial = book_module.grade_all(collect([str(course / "bob.py")]), CONFIG, tmp_path, 60, InlineExecutor(),
                                   progress=False)
    # (a file named alone is shown as named; in a folder, relative to the folder)
    assert {k: v for k, v in serial[0]["row"].items() if k not in ("seconds", "submission")} == \
           {k: v for k, v in book.rows[1].items() if k not in ("seconds", "submission")}


def test_a_russian_gradebook_is_said_from_the_cache_and_a_copy_keeps_its_name(tmp_path, capsys):
    """Two students hand in the same bytes: two rows under their own names, also from the cache. The
    Russian page and summary come from the cached reports (JSON) and say no English sentence; the CSV is
    the same English data."""
    folder, out = tmp_path / "course", tmp_path / "book"
    folder.mkdir()
    for name, source in (("anna.py", CORRECT), ("boris.py", CORRECT), ("vera.py", BUGGY)):
        (folder / name).write_text(source)
    command = ["check", str(folder), "--out", str(out), "--jobs", "1", "--timeout", "5", "--dtype", "float64"]
    assert main(command) == 0
    capsys.readouterr()
    english_page, english_csv = (out / "gradebook.html").read_text(), (out / "gradebook.csv").read_text()
    assert main([*command, "--lang", "ru"]) == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == "работа итог с ошибкой первая ошибка секунды диагноз"
    assert [line.split()[0] for line in lines[2:5]] == ["anna.py", "boris.py", "vera.py"]
    assert all("из кэша" in line for line in lines[2:5])
    assert lines[4].startswith("vera.py не пройдено 6/11 W2 из кэша dW2 равен значению torch, умноженному на 3")
    assert lines[-1].startswith("3 работы: не пройдено — 1, пройдено — 2; ")
    page = (out / "gradebook.html").read_text()
    assert "<h1>Сводная ведомость</h1>" in page and "градиент W2" in page and "всё совпадает с torch" in page
    for words in ("gradient W2", "everything matches torch", "forward output", "found in"):
        assert words in english_page and words not in page, words
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert [r["submission"] for r in rows] == ["anna.py", "boris.py", "vera.py"]
    assert rows[0]["sha256"] == rows[1]["sha256"]
    assert [{k: v for k, v in r.items() if k != "cached"} for r in rows] == \
           [{k: v for k, v in r.items() if k != "cached"} for r in csv.DictReader(io.StringIO(english_csv))]
