"""Data files: ``.npz`` (arrays X and Y) and ``.csv`` (a header; target columns named ``y...``).

Every loader returns ``(X, Y)`` float64 arrays of shape (N, n_in) and (N, n_out), checked
by ``handmade.contract.spec.check_data`` (finite, 2-D, rows matching).

An ``.npz`` is read by ``compare.files.archives`` (no pickles; every declared size
checked before it is read, at most ``MAX_DATA_BYTES``). A ``.csv`` is UTF-8, with or
without the byte-order mark spreadsheet programs write (left in, it would glue itself
to the first column's name: ``\\ufeffy0`` does not start with ``y``); a row with the
wrong number of values, or a value that is not a number, is named by line and column.
Parsing is linear in the number of cells (80k columns: one pass).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from compare.files.archives import MAX_DATA_BYTES, read_npz
from handmade.contract.errors import InvalidInput
from handmade.contract.spec import check_data
from handmade.data import letters


def load_xy(path: str | Path | None) -> tuple[np.ndarray, np.ndarray]:
    """The data of a command: the file at ``path``, or the lesson's three letters when None."""
    return letters() if path is None else load_data(path)


def load_data(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Load X and Y from a file.

    ``.npz``: arrays named ``X`` and ``Y`` (loaded with ``allow_pickle=False``).
    ``.csv``: a header row; columns named ``y...`` (e.g. ``y0,y1,y2``) are the
    targets, all others the inputs.
    """
    path = Path(path)
    where = f"data file {str(path)!r}"
    if not path.is_file():
        raise InvalidInput(f"{where} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        arrays = read_npz(path, where, MAX_DATA_BYTES)
        missing = [k for k in ("X", "Y") if k not in arrays]
        if missing:
            raise InvalidInput(f"{where}: needs arrays named X and Y, found {sorted(arrays) or 'none'}")
        X, Y = arrays["X"], arrays["Y"]
    elif suffix == ".csv":
        X, Y = _load_csv(path, where)
    else:
        raise InvalidInput(f"{where}: unsupported data format {suffix or '(none)'!r}; use .npz or .csv")
    try:
        return check_data(X, Y)
    except InvalidInput as exc:  # which file it was matters as much as what is wrong with it
        raise InvalidInput(f"{where}: {exc}") from None


def _load_csv(path: Path, where: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: drop a byte-order mark
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            is_target = _targets(header, where)
            rows = [_numbers(row, reader.line_num, header, where) for row in reader if row]
    except UnicodeDecodeError:
        raise InvalidInput(f"{where} is not UTF-8 text; save it as CSV (UTF-8)") from None
    except (OSError, csv.Error) as exc:
        raise InvalidInput(f"{where}: cannot read ({exc})") from None
    if not rows:
        raise InvalidInput(f"{where}: needs a header row and at least one data row")
    data = np.array(rows, dtype=np.float64)
    return data[:, ~is_target], data[:, is_target]


def _targets(header: list[str], where: str) -> np.ndarray:
    """Which columns are targets (named y...); an error if there are no inputs or no targets."""
    if not header:
        raise InvalidInput(f"{where}: needs a header row and at least one data row")
    if len(header) == 1:
        other = next((sep for sep in (";", "\t", "|") if sep in header[0]), None)
        if other:
            shown = "tabs" if other == "\t" else repr(other)
            raise InvalidInput(f"{where} separates its columns with {shown}, not commas: save it as CSV")
    is_target = np.array([name.lower().startswith("y") for name in header])
    if is_target.all() or not is_target.any():
        shown = header if len(header) <= 8 else [*header[:8], "..."]
        raise InvalidInput(f"{where}: header needs input columns and target columns named y... (got {shown})")
    return is_target


def _numbers(row: list[str], line: int, header: list[str], where: str) -> list[float]:
    """One data row as floats, or an error naming the line (and the column) that is wrong."""
    if len(row) != len(header):
        raise InvalidInput(f"{where}: line {line} has {len(row)} values, the header has {len(header)} columns")
    try:
        return [float(value) for value in row]
    except ValueError:
        column = next(i for i, value in enumerate(row) if not _is_number(value))
        raise InvalidInput(f"{where}: line {line}, column {header[column]!r}: {row[column].strip()[:40]!r} is not "
                           "a number") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
