"""Directional finite differences of the user's own forward and loss: is the backward right for it?"""

from __future__ import annotations

import math

import numpy as np

from compare.measure.differences import rel_error_l2
from compare.step.gradcheck import numeric_gradient


def directional_fd(loss_of, params: dict[str, np.ndarray], n_dirs: int = 3, seed: int = 0):
    """Central differences of ``loss_of(params)`` along ``n_dirs`` random directions per tensor.

    ``numeric_gradient`` differentiates with respect to the coefficients t of
    ``p + sum_i t_i V_i``, giving ``<dL/dp, V_i>``: ``2 n_dirs`` calls per tensor instead
    of two per element, so a loop-style forward is checked in milliseconds.
    Returns (directions, numeric) with ``directions[key]`` of shape (n_dirs, *p.shape).
    """
    rng = np.random.default_rng(seed)
    dirs = {k: rng.standard_normal((n_dirs, *p.shape)) for k, p in params.items()}
    numeric = {}
    for key, p in params.items():
        def along(coeff, key=key, p=p):
            return float(loss_of({**params, key: p + np.tensordot(coeff["t"], dirs[key], axes=1)}))
        numeric[key] = numeric_gradient(along, {"t": np.zeros(n_dirs)})["t"]
    return dirs, numeric


def fd_error(grad: np.ndarray, dirs: np.ndarray, numeric: np.ndarray) -> float:
    """Relative error between ``<grad, V_i>`` and the numeric directional derivatives (inf if either is not finite)."""
    analytic = np.array([np.vdot(np.asarray(grad, dtype=np.float64), v) for v in dirs])
    if not (np.all(np.isfinite(analytic)) and np.all(np.isfinite(numeric))):
        return math.inf  # NaN compares as neither close nor far: never let it pass as a match
    return rel_error_l2(analytic, numeric)
