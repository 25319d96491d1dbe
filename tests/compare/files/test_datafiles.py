"""CSV data files as people save them: a byte-order mark, blank lines, many columns; and errors that say where."""

from __future__ import annotations

import numpy as np
import pytest

from compare.files.datafiles import load_data
from handmade.contract.errors import InvalidInput


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "d.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_a_byte_order_mark_does_not_hide_the_first_column_name(tmp_path):
    """Spreadsheets save "CSV UTF-8" with a BOM: read naively, the first name is '\\ufeffy0', an input."""
    X, Y = load_data(write(tmp_path, "y0,a,b\r\n1,2,3\r\n4,5,6\r\n", encoding="utf-8-sig"))
    assert Y.tolist() == [[1.0], [4.0]] and X.tolist() == [[2.0, 3.0], [5.0, 6.0]]


def test_blank_lines_and_spaces_are_ignored(tmp_path):
    X, Y = load_data(write(tmp_path, " x0 , y0\n\n 1.5 , -2e-3 \n\n3,4\n"))
    assert X.tolist() == [[1.5], [3.0]] and Y.tolist() == [[-0.002], [4.0]]


def test_many_columns_are_read_in_one_linear_pass(tmp_path):
    """80 000 input columns (22 s when each column was looked up in a list of the others; now one pass)."""
    n = 80_000
    header = ",".join([f"x{i}" for i in range(n)] + ["y0", "y1"])
    rows = "\n".join(",".join(["0.5"] * n + [str(r), "1"]) for r in range(3))
    X, Y = load_data(write(tmp_path, f"{header}\n{rows}\n"))
    assert X.shape == (3, n) and np.all(X == 0.5) and Y.tolist() == [[0, 1], [1, 1], [2, 1]]


@pytest.mark.parametrize("text, message", [
    ("a,b,y0\n1,2,0\n3,4\n", "line 3 has 2 values, the header has 3 columns"),
    ("a,b,y0\n1,2,0,9\n", "line 2 has 4 values, the header has 3 columns"),
    ("a,b,y0\n1,2,0\n3,four,1\n", "line 3, column 'b': 'four' is not a number"),
    ("a,b,y0\n1,2,\n", "line 2, column 'y0': '' is not a number"),
    ("a,b,y0\n", "needs a header row and at least one data row"),
    ("", "needs a header row and at least one data row"),
    ("a,b\n1,2\n", "header needs input columns and target columns named y..."),
    ("y0,y1\n1,2\n", "header needs input columns and target columns named y..."),
    ("a,y0\n1,nan\n", "NaN or inf"),
    ("a;b;y0\n1;2;3\n", "separates its columns with ';', not commas: save it as CSV"),
    ("a\tb\ty0\n1\t2\t3\n", "separates its columns with tabs, not commas"),
    ("a,b,y0\n\"1,5\",2,3\n", "line 2, column 'a': '1,5' is not a number"),
], ids=["short row", "long row", "word", "empty value", "header only", "empty", "no targets", "no inputs", "nan",
        "semicolons", "tabs", "decimal comma"])
def test_a_bad_csv_is_one_line_naming_where(tmp_path, text, message):
    with pytest.raises(InvalidInput, match="data file") as info:
        load_data(write(tmp_path, text))
    assert message in str(info.value)


def test_a_file_that_is_not_utf8_says_so(tmp_path):
    with pytest.raises(InvalidInput, match="is not UTF-8 text; save it as CSV"):
        load_data(write(tmp_path, "a,y0\n1,2\n# caf\xe9\n", encoding="latin-1"))
