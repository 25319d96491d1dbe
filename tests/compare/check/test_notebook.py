"""``check`` from a real Jupyter kernel (a class defined in a cell), and a notebook file on the command line."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from compare.cli.main import main

CLASS_CELL = '''
import numpy as np

class CellNet:
    """Defined in a notebook cell: inspect.getsource cannot find it, and nothing but the kernel holds it."""

    def __init__(self, n_in, n_hidden, n_out):
        rng = np.random.default_rng(0)
        self.W1, self.b1 = rng.normal(0, 0.1, (n_in, n_hidden)), np.zeros(n_hidden)
        self.W2, self.b2 = rng.normal(0, 0.1, (n_hidden, n_out)), np.zeros(n_out)

    def forward(self, X):
        self.X, self.h = X, np.tanh(X @ self.W1 + self.b1)
        return self.h @ self.W2 + self.b2

    def backward(self, Y, out):
        d = 2 * (out - Y) / Y.size{bug}
        dh = d @ self.W2.T * (1 - self.h ** 2)
        return {{"W1": self.X.T @ dh, "b1": dh.sum(0), "W2": self.h.T @ d, "b2": d.sum(0)}}
'''


def _notebook(*cells: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nb


@pytest.fixture(scope="module")
def executed():
    """One kernel for the whole module: a correct class and a buggy one, checked from cells."""
    nb = _notebook(
        CLASS_CELL.format(bug=""),
        "from compare.check import check\nreport = check(CellNet, activation='tanh', timeout=10)\nreport",
        "print(report.status, report.summary()['checks'])",
        CLASS_CELL.format(bug=" * 3").replace("CellNet", "BuggyCellNet"),
        "bad = check(BuggyCellNet, activation='tanh', dtypes='float64', timeout=10)\n"
        "print(bad.status, bad.first_wrong_gradient().name, bad.first_wrong_gradient().codes()[0])",
    )
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    return nb


def test_a_class_defined_in_a_notebook_cell_is_checked_and_shown_as_html(executed):
    html = executed.cells[1].outputs[0]["data"]["text/html"]
    assert "mlp-parity check" in html and ">passed<" in html
    assert executed.cells[2].outputs[0]["text"].split() == ["passed", "20"]  # 10 checks per dtype (no train)


def test_a_bug_in_a_notebook_class_is_named(executed):
    assert executed.cells[4].outputs[0]["text"].split() == ["failed", "gradient", "W2", "factor"]


def test_a_notebook_file_runs_its_definitions_not_its_training_cells(tmp_path, capsys):
    nb = _notebook("%matplotlib inline\nimport numpy as np", CLASS_CELL.format(bug=""),
                   "net = CellNet(2, 4, 1)\nfor epoch in range(10**9):\n    net.forward(np.ones((1, 2)))",
                   "raise RuntimeError('the data is on the teacher\\'s laptop')")
    path = tmp_path / "homework.ipynb"
    path.write_text(json.dumps(nb))
    assert main(["check", f"{path}:CellNet", "--activation", "tanh", "--timeout", "5"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "from the notebook's 4 code cells, ran 3 definitions" in printed  # 2 imports and the class
    assert "skipped 3 statements that call code" in printed  # the training loop, its net, the raise
