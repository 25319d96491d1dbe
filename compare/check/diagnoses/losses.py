"""Losses a class may print or differentiate: the declared conventions and the usual variants.

Every function takes the network's *output* s (probabilities p for a classifier whose forward
returns them) and the one-hot targets y; the registry's losses through
``handmade.losses.loss_of_output``, so a classifier's printed loss is read as its code computes it.
"""

from __future__ import annotations

import numpy as np

from compare.check.diagnoses.factors import close
from handmade.losses import LOSSES, loss_of_output


def _clipped(p):
    return np.clip(p, 1e-300, 1.0)


# Variants people print or differentiate by mistake, as functions of (s, y): (function, formula).
VARIANTS = {
    "half_mse": (lambda s, y: 0.5 * np.mean((s - y) ** 2), "1/2 mean((s - y)^2)"),
    "sse_per_sample": (lambda s, y: np.sum((s - y) ** 2) / len(s), "sum((s - y)^2) / N"),
    "rmse": (lambda s, y: np.sqrt(np.mean((s - y) ** 2)), "sqrt(mean((s - y)^2))"),
    "mae": (lambda s, y: np.mean(np.abs(s - y)), "mean|s - y|"),
    "mean_error": (lambda s, y: np.mean(s - y), "mean(s - y), not squared"),
    "output_mse": (lambda s, y: np.mean(s ** 2), "mean(s^2): the output alone, no target"),
    "output_half_sse": (lambda s, y: 0.5 * np.sum(s ** 2), "1/2 sum(s^2): the output alone, no target"),
    "ce_over_outputs": (lambda p, y: -np.sum(y * np.log(_clipped(p))) / p.size,
                        "-sum y log p / (N*out): cross-entropy divided by N*out instead of N"),
}

FORMULAS = {"mse": "mean((s - y)^2)", "sse": "sum((s - y)^2)", "half_sse": "1/2 sum((s - y)^2)",
            "half_sse_n": "1/(2N) sum((s - y)^2)", "ce": "-1/N sum y log p", "ce_sum": "-sum y log p",
            "bce": "-mean(y log p + (1-y) log(1-p))", "bce_sum": "-sum(y log p + (1-y) log(1-p))",
            "bce_n": "-1/N sum(y log p + (1-y) log(1-p))"}


def loss_function(name: str, output_activation: str = "identity"):
    """A candidate loss by name, as a function of the output (the registry's own, or a variant)."""
    if name in LOSSES:
        return lambda s, y: loss_of_output(name, output_activation, s, y)
    return VARIANTS[name][0]


def candidates(output_activation: str) -> dict[str, str]:
    """name -> formula of every loss a class with this output activation may report: the registry's losses
    that can take such an output, then the variants."""
    usable = {}
    for name, entry in LOSSES.items():
        if entry.link is None or output_activation.split("(")[0] in (entry.link, "identity"):
            usable[name] = FORMULAS[name]
    return {**usable, **{name: formula for name, (_, formula) in VARIANTS.items()}}


def formula(name: str) -> str:
    return FORMULAS.get(name) or VARIANTS[name][1]


def identify_loss(value: float, s: np.ndarray, y: np.ndarray, tol: float,
                  output_activation: str = "identity") -> list[str]:
    """Names of the candidate losses whose value at (s, y) equals ``value`` (relative ``tol``)."""
    s = np.asarray(s, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    found = []
    with np.errstate(all="ignore"):  # a candidate undefined here (log of a non-probability) simply does not match
        for name in candidates(output_activation):
            candidate = float(loss_function(name, output_activation)(s, y))
            if np.isfinite(candidate) and close(candidate, value, tol):
                found.append(name)
    return found
