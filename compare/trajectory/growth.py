"""How fast the difference between two runs grows: a geometric fit, for the verdict's explanation."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

# The growth fit stops where the difference saturates (the runs have parted): beyond
# this floored relative difference the log-difference no longer grows geometrically.
SATURATION = 1e-2


@dataclass
class Growth:
    """Geometric fit ``d_k ~ d_0 * factor^k`` of the running maximum of the difference.

    Fitted by least squares on log(running max of rel_diff) over the epochs where
    it is positive and below ``SATURATION``. ``factor`` ~ 1: the difference stays
    at rounding level; 1.05: it grows 5% per epoch (x10 every ``epochs_per_decade``).
    """

    factor: float | None
    epochs_per_decade: float | None
    fitted_epochs: int
    label: str

    def to_dict(self) -> dict:
        return asdict(self)


def fit_growth(rel_diff: np.ndarray) -> Growth:
    d = np.asarray(rel_diff, dtype=np.float64)
    d = d[np.isfinite(d)]
    envelope = np.maximum.accumulate(d) if d.size else d
    epochs = np.arange(1, len(envelope) + 1)
    use = (envelope > 0) & (envelope < SATURATION)
    if use.sum() < 10:
        return Growth(None, None, int(use.sum()), "too few epochs to fit")
    slope = float(np.polyfit(epochs[use], np.log(envelope[use]), 1)[0])
    factor = math.exp(slope)
    decade = math.log(10) / slope if slope > 1e-12 else None
    if factor < 1.001:
        label = "flat (rounding level)"
    else:
        label = f"x{factor:.3f}/epoch (x10 every {decade:.0f} epochs)"
    return Growth(factor, decade, int(use.sum()), label)
