"""Every relative difference the harness uses, defined once.

* :func:`rel_diff` - the tensor-wise max-norm measure every pass/fail reads:
  ``max|a - b| / max(max|a|, max|b|, floor)`` (see ``compare.measure.tolerance``);
* :func:`floored_rel` - the same, with the rules for non-finite values that
  whole training runs need (both non-finite: they agree; one side only: inf);
* :func:`loss_rel_diffs` - :func:`floored_rel` per epoch of two loss curves;
* :func:`param_differences` - the worst tensor of two parameter dicts, and their distance;
* :func:`rel_error_l2` - the 2-norm measure ``||a - b|| / max(||a||, ||b||)`` of finite
  differences and of the check's hypotheses (a direction-wise fit, where one
  large entry must not hide the others).
"""

from __future__ import annotations

import math

import numpy as np


def rel_diff(a: np.ndarray, b: np.ndarray, floor: float = 0.0) -> float:
    """max|a - b| / max(max|a|, max|b|, floor), computed in float64; 0 for two zero tensors."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), floor)
    diff = np.max(np.abs(a - b), initial=0.0)
    return float(diff / scale) if scale > 0 else float(diff)


def floored_rel(a, b, floor: float) -> float:
    """:func:`rel_diff` with a floor, for values that may be non-finite.

    Where both sides are non-finite they agree (both diverged); a value finite on
    one side only, or a shape mismatch, is ``inf``.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    if not np.array_equal(finite_a, finite_b):
        return math.inf
    return rel_diff(a[finite_a], b[finite_b], floor)


def loss_rel_diffs(loss_h: np.ndarray, loss_t: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-epoch (abs, floored rel) differences; both non-finite counts as agreement (0)."""
    h = np.asarray(loss_h, dtype=np.float64)
    t = np.asarray(loss_t, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(h - t)
        scale = np.maximum(np.maximum(np.abs(h), np.abs(t)), floor)
        rel = abs_diff / np.where(scale > 0, scale, 1.0)
    finite_h, finite_t = np.isfinite(h), np.isfinite(t)
    both_bad = ~finite_h & ~finite_t
    one_bad = finite_h != finite_t
    abs_diff[both_bad], rel[both_bad] = 0.0, 0.0
    abs_diff[one_bad], rel[one_bad] = math.inf, math.inf
    return abs_diff, rel


def param_differences(a: dict, b: dict) -> tuple[float, float]:
    """(worst tensor-wise rel diff, Euclidean distance over all parameters); inf if non-finite."""
    if not a or not b:
        return math.inf, math.inf
    rel = max(floored_rel(a[k], b[k], 0.0) for k in a)
    with np.errstate(over="ignore", invalid="ignore"):
        dist = math.sqrt(sum(float(np.sum((np.asarray(a[k], np.float64) - np.asarray(b[k], np.float64)) ** 2))
                             for k in a))
    return rel, (dist if math.isfinite(dist) else math.inf)


def rel_error_l2(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b||_2 / max(||a||_2, ||b||_2); inf when either holds a non-finite value, 0 for two zeros."""
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return float("inf")
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0
