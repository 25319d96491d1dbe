"""Data sets: the lesson's three letters, noisy copies of them, XOR, and user files.

Every loader returns ``(X, Y)`` float64 arrays of shape (N, n_in) and (N, n_out).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .errors import InvalidInput
from .spec import check_data

LETTER_NAMES = ("a", "b", "c")
LETTER_SHAPE = (5, 6)  # rows x columns of pixels; flattened row by row to 30 inputs

_LETTERS = {
    "a": """
        001100
        010010
        111111
        100001
        100001""",
    "b": """
        011110
        010010
        011110
        010010
        011110""",
    "c": """
        011110
        010000
        010000
        010000
        011110""",
}


def letters() -> tuple[np.ndarray, np.ndarray]:
    """The lesson's letters: X (3, 30) binary pixels, Y (3, 3) one-hot (a, b, c)."""
    rows = []
    for name in LETTER_NAMES:
        bits = "".join(_LETTERS[name].split())
        rows.append([float(bit) for bit in bits])
    X = np.array(rows)
    assert X.shape == (3, LETTER_SHAPE[0] * LETTER_SHAPE[1])
    return X, np.eye(3)


def noisy_letters(flips: int, copies: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``copies`` noisy versions of each letter with exactly ``flips`` pixels flipped.

    Shapes: X (3 * copies, 30), Y (3 * copies, 3); rows cycle a, b, c. The flipped
    pixels are drawn without replacement from ``default_rng(seed)``: deterministic.
    """
    n_pixels = LETTER_SHAPE[0] * LETTER_SHAPE[1]
    if not 0 <= flips <= n_pixels:
        raise InvalidInput(f"flips must be between 0 and {n_pixels}, got {flips}")
    if copies < 1:
        raise InvalidInput(f"copies must be >= 1, got {copies}")
    X0, Y0 = letters()
    rng = np.random.default_rng(seed)
    X = np.tile(X0, (copies, 1))
    Y = np.tile(Y0, (copies, 1))
    if flips:
        # argsort of uniform noise per row = a random subset of `flips` pixels per row.
        idx = np.argsort(rng.random(X.shape), axis=1)[:, :flips]
        rows = np.arange(len(X))[:, None]
        X[rows, idx] = 1.0 - X[rows, idx]
    return X, Y


def xor() -> tuple[np.ndarray, np.ndarray]:
    """XOR: X (4, 2), Y (4, 1)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([[0.0], [1.0], [1.0], [0.0]])


DATASETS = {"letters": letters, "xor": xor}


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
