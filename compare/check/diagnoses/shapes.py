"""Shapes of a returned gradient: right, transposed, one row per sample, or wrong."""

from __future__ import annotations

import numpy as np

from compare.check.findings import Finding
from compare.check.texts import say


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
        return "transposed", Finding.of("transposed", name=name, shape=shape, expected=tuple(expected))
    if is_bias and len(shape) == 2 and shape[0] == n_rows and shape[1] == size:
        return "per_sample", Finding.of("not_summed_over_batch", name=name, shape=shape, n=n_rows,
                                        expected=tuple(expected))
    return "wrong", Finding.of("wrong_shape", "gradient", name=name, shape=shape, expected=tuple(expected))


def gradient_array(name: str, value) -> tuple[np.ndarray | None, Finding | None]:
    """A returned gradient as a float64 array, or why it cannot be compared: not an array, complex, half precision.

    A complex array whose imaginary part is all zero is taken by its real part (nothing is lost).
    """
    if isinstance(value, np.ndarray) and value.dtype.kind not in "biufc":
        return None, Finding.of("wrong_return", "object_array", name=name, dtype=str(value.dtype), shape=value.shape)
    if not isinstance(value, np.ndarray):
        if value is None:
            return None, Finding.of("wrong_return", "none", name=name)
        kind = getattr(value, "type_name", None) or say("phrase.a_kind", kind=type(value).__name__)
        return None, Finding.of("wrong_return", "ragged" if "object values" in kind else "not_numbers", name=name,
                                kind=kind)
    if value.dtype.kind == "c":
        imaginary = float(np.max(np.abs(value.imag), initial=0.0))
        if imaginary > 0:
            return None, Finding.of("complex", name=name, imaginary=imaginary)
        value = value.real
    if value.dtype == np.float16:
        return value.astype(np.float64), Finding.of("half_precision", name=name)
    return value.astype(np.float64), None
