"""Losses a class may print or differentiate: the declared conventions and the usual variants."""

from __future__ import annotations

import numpy as np

from compare.check.diagnoses.factors import close
from handmade.losses import LOSSES

LOSS_CANDIDATES = {  # the declared conventions are handmade.losses' own functions
    "mse": (LOSSES["mse"].f, "mean((s - y)^2)"),
    "sse": (LOSSES["sse"].f, "sum((s - y)^2)"),
    "half_sse": (LOSSES["half_sse"].f, "1/2 sum((s - y)^2)"),
    "half_mse": (lambda s, y: 0.5 * np.mean((s - y) ** 2), "1/2 mean((s - y)^2)"),
    "sse_per_sample": (lambda s, y: np.sum((s - y) ** 2) / len(s), "sum((s - y)^2) / N"),
    "rmse": (lambda s, y: np.sqrt(np.mean((s - y) ** 2)), "sqrt(mean((s - y)^2))"),
    "mae": (lambda s, y: np.mean(np.abs(s - y)), "mean|s - y|"),
    "mean_error": (lambda s, y: np.mean(s - y), "mean(s - y), not squared"),
    "output_mse": (lambda s, y: np.mean(s ** 2), "mean(s^2): the output alone, no target"),
    "output_half_sse": (lambda s, y: 0.5 * np.sum(s ** 2), "1/2 sum(s^2): the output alone, no target"),
}


def identify_loss(value: float, s: np.ndarray, y: np.ndarray, tol: float) -> list[str]:
    """Names of the candidate losses whose value at (s, y) equals ``value`` (relative ``tol``)."""
    s = np.asarray(s, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return [name for name, (fn, _) in LOSS_CANDIDATES.items() if close(float(fn(s, y)), value, tol)]


def loss_function(name: str):
    """A candidate loss by name; the declared conventions come from handmade.losses."""
    if name in LOSSES:
        return LOSSES[name].f
    return LOSS_CANDIDATES[name][0]
