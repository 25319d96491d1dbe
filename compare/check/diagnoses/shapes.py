"""Shapes of a returned gradient: right, transposed, one row per sample, or wrong."""

from __future__ import annotations

import numpy as np

from compare.check.findings import Finding


def shape_findings(name: str, arr, expected: tuple, n_rows: int) -> tuple[str, Finding | None]:
    """Classify a returned gradient's shape: 'ok', 'transposed', 'per_sample' or 'wrong'."""
    shape = np.shape(arr)
    if shape == tuple(expected):
        return "ok", None
    size = int(np.prod(expected))
    is_bias = min(expected) == 1 or len(expected) == 1
    if is_bias and np.size(arr) == size and len(shape) <= 2:
        return "ok", None  # (n,) against (1, n): the same numbers, accepted
    if len(expected) == 2 and shape == tuple(expected[::-1]) and expected[0] != expected[1]:
        return "transposed", Finding("transposed", f"{name} has shape {shape} but the parameter is "
                                                   f"{tuple(expected)}: the gradient is transposed")
    if is_bias and len(shape) == 2 and shape[0] == n_rows and shape[1] == size:
        return "per_sample", Finding("not_summed_over_batch",
                                     f"{name} has shape {shape}: one row per sample (N = {n_rows}); "
                                     f"a bias gradient is summed over the batch (axis 0) to shape {tuple(expected)}")
    return "wrong", Finding("wrong_shape", f"{name} has shape {shape}, expected {tuple(expected)}")
