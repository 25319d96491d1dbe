"""Data files: ``.npz`` (arrays X and Y) and ``.csv`` (a header; target columns named ``y...``).

Every loader returns ``(X, Y)`` float64 arrays of shape (N, n_in) and (N, n_out), checked
by ``handmade.contract.spec.check_data`` (finite, 2-D, rows matching).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

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
    if not path.is_file():
        raise InvalidInput(f"data file {str(path)!r} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                missing = [k for k in ("X", "Y") if k not in archive.files]
                if missing:
                    raise InvalidInput(
                        f"{path}: needs arrays named X and Y, found {sorted(archive.files) or 'none'}"
                    )
                X, Y = archive["X"], archive["Y"]
        except InvalidInput:
            raise
        except Exception as exc:  # bad zip, pickled object arrays, ...
            raise InvalidInput(f"{path}: cannot read as .npz ({exc})") from None
    elif suffix == ".csv":
        X, Y = _load_csv(path)
    else:
        raise InvalidInput(f"{path}: unsupported data format {suffix or '(none)'!r}; use .npz or .csv")
    return check_data(X, Y)


def _load_csv(path: Path):
    try:
        with path.open(newline="") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot read ({exc})") from None
    if len(rows) < 2:
        raise InvalidInput(f"{path}: needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    y_cols = [i for i, h in enumerate(header) if h.lower().startswith("y")]
    x_cols = [i for i in range(len(header)) if i not in y_cols]
    if not y_cols or not x_cols:
        raise InvalidInput(f"{path}: header needs input columns and target columns named y... (got {header})")
    try:
        data = np.array([[float(v) for v in row] for row in rows[1:] if row], dtype=np.float64)
    except ValueError as exc:
        raise InvalidInput(f"{path}: non-numeric value ({exc})") from None
    if data.ndim != 2 or data.shape[1] != len(header):
        raise InvalidInput(f"{path}: every row needs {len(header)} values, like the header")
    return data[:, x_cols], data[:, y_cols]
