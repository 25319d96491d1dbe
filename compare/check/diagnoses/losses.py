"""Losses a class may print or differentiate: the declared conventions and the usual variants.

Every function takes the network's *output* s (probabilities p for a classifier whose forward
returns them) and the one-hot targets y; the registry's losses through
``handmade.losses.loss_of_output``, so a classifier's printed loss is read as its code computes it.
"""

from __future__ import annotations

import numpy as np

from compare.check.diagnoses.factors import close
from compare.check.texts import say
from handmade.losses import LOSSES, loss_of_output


def _clipped(p):
    return np.clip(p, 1e-300, 1.0)


# Variants people print or differentiate by mistake, as functions of (s, y); their formulas (and those of the
# registry's losses) are sentences of the catalogue, ``formula.<name>``.
VARIANTS = {
    "half_mse": lambda s, y: 0.5 * np.mean((s - y) ** 2),
    "sse_per_sample": lambda s, y: np.sum((s - y) ** 2) / len(s),
    "rmse": lambda s, y: np.sqrt(np.mean((s - y) ** 2)),
    "mae": lambda s, y: np.mean(np.abs(s - y)),
    "mean_error": lambda s, y: np.mean(s - y),
    "output_mse": lambda s, y: np.mean(s ** 2),
    "output_half_sse": lambda s, y: 0.5 * np.sum(s ** 2),
    "ce_over_outputs": lambda p, y: -np.sum(y * np.log(_clipped(p))) / p.size,
}


def loss_function(name: str, output_activation: str = "identity"):
    """A candidate loss by name, as a function of the output (the registry's own, or a variant)."""
    if name in LOSSES:
        return lambda s, y: loss_of_output(name, output_activation, s, y)
    return VARIANTS[name]


def candidates(output_activation: str) -> dict[str, str]:
    """name -> formula of every loss a class with this output activation may report: the registry's losses
    that can take such an output, then the variants."""
    usable = [name for name, entry in LOSSES.items()
              if entry.link is None or output_activation.split("(")[0] in (entry.link, "identity")]
    return {name: formula(name) for name in [*usable, *VARIANTS]}


def formula(name: str) -> str:
    """``mean((s - y)^2)`` for "mse": the formula of a loss or of a variant, as a sentence of the catalogue."""
    return say(f"formula.{name}")


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
