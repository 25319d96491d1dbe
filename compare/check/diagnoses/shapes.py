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


def gradient_array(name: str, value) -> tuple[np.ndarray | None, Finding | None]:
    """A returned gradient as a float64 array, or why it cannot be compared: not an array, complex, half precision.

    A complex array whose imaginary part is all zero is taken by its real part (nothing is lost).
    """
    if isinstance(value, np.ndarray) and value.dtype.kind not in "biufc":
        return None, Finding("wrong_return", f"{name} is an array of {value.dtype} values (shape {value.shape}), "
                                             "not of numbers (a ragged list of arrays made into one?)")
    if not isinstance(value, np.ndarray):
        kind = "nothing (None)" if value is None else getattr(value, "type_name", f"a {type(value).__name__}")
        hint = " (a ragged list of arrays made into one?)" if "object values" in kind else ""
        return None, Finding("wrong_return", f"{name} is {kind}, not an array of numbers{hint}")
    if value.dtype.kind == "c":
        imaginary = float(np.max(np.abs(value.imag), initial=0.0))
        if imaginary > 0:
            return None, Finding("complex", f"{name} is complex (imaginary parts up to {imaginary:.3g}): the "
                                            "gradient of a real loss is real; a complex number entered the "
                                            "computation (a complex dtype, or a square root of a negative number)",
                                 {"imaginary": imaginary})
        value = value.real
    if value.dtype == np.float16:
        return value.astype(np.float64), Finding(
            "half_precision", f"{name} is float16: it keeps about 3 significant digits (relative error ~1e-3), "
                              "far coarser than the tolerance; compute it in float32 or float64 - a precision "
                              "problem, not (necessarily) a wrong backward")
    return value.astype(np.float64), None
