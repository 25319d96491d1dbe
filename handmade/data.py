"""Data sets: the lesson's three letters, noisy copies of them, and XOR.

Every loader returns ``(X, Y)`` float64 arrays of shape (N, n_in) and (N, n_out).
(Data files - .npz and .csv - are read by ``compare.files.datafiles``.)
"""

from __future__ import annotations

import numpy as np

from .contract.errors import InvalidInput

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
