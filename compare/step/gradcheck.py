"""Central-difference gradient check of the handmade model: a third, torch-free reference.

For every parameter element p_i (in float64)::

    g_i ~ (L(p_i + h) - L(p_i - h)) / (2h)            error O(h^2) + O(eps / h)

and per parameter tensor the CS231n-style relative error, tensor-wise::

    rel = ||g_analytic - g_numeric||_2 / max(||g_analytic||_2, ||g_numeric||_2)

With h = 1e-5 both error terms are ~1e-10 of a typical gradient (measured
worst: 4e-9 on a deep sigmoid net), so smooth activations land far below
the 1e-7 bar. At a kink (ReLU exactly at 0, or a
pre-activation within h of 0) the quotient straddles two slopes: those
activations are reported but not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.measure.differences import rel_error_l2
from compare.measure.tolerance import tolerance_for
from handmade.activations import Activation
from handmade.contract.spec import MLPSpec, check_data
from handmade.model import MLP

STEP = 1e-5  # measured: best balance of the two error terms on the 64-32-32-10 sigmoid net


@dataclass
class GradCheck:
    name: str
    rel_error: float
    tolerance: float
    counted: bool

    @property
    def passed(self) -> bool:
        return self.rel_error < self.tolerance

    @property
    def max_rel_diff(self) -> float:  # so that records.summarize can count it
        return self.rel_error

    def to_dict(self) -> dict:
        return {"name": self.name, "rel_error": self.rel_error, "tolerance": self.tolerance,
                "counted": self.counted, "passed": self.passed}


def numeric_gradient(loss_of, params: dict[str, np.ndarray], h: float = STEP) -> dict[str, np.ndarray]:
    """Central differences of ``loss_of(params) -> float`` for every element, in place-safe order."""
    grads = {}
    for key, p in params.items():
        g = np.zeros_like(p)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            up = loss_of(params)
            flat[i] = old - h
            down = loss_of(params)
            flat[i] = old
            gflat[i] = (up - down) / (2 * h)
        grads[key] = g
    return grads


def finite_difference_check(spec: MLPSpec, X, Y, params: dict | None = None, h: float = STEP) -> list[GradCheck]:
    """Compare the handmade backward pass with central differences, per parameter tensor (float64)."""
    spec64 = spec.replace(dtype="float64")
    X, Y = check_data(X, Y, spec64.sizes, "float64")
    params = {k: np.array(v, dtype=np.float64) for k, v in (params or spec64.init_params()).items()}
    net = MLP(spec64, params)

    def loss_of(_params):
        net.forward(X)
        return net.loss(Y)

    # Overflowing weights give non-finite errors, reported as such rather than as numpy warnings.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        net.forward(X)
        analytic = net.backward(Y).params
        numeric = numeric_gradient(loss_of, net.params, h)
    smooth = Activation(spec.activation).smooth and Activation(spec.output_activation).smooth
    tol = tolerance_for("float64").finite_diff
    note = "" if smooth else " (kinked activation: not counted)"
    return [GradCheck(f"fd {key}{note}", rel_error_l2(analytic[key], numeric[key]), tol, smooth)
            for key in analytic]
