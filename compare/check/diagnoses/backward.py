"""Hypotheses on the backward pass: the usual activation-derivative mistakes, layer by layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.check.diagnoses.factors import close, fit_factor
from compare.check.findings import Finding
from compare.measure.differences import rel_error_l2
from handmade.activations import Activation
from handmade.contract.keys import bias_key, weight_key


def joint(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


@dataclass(frozen=True)
class UserLayer:
    """The user's gradients of layer ``l`` in torch layout, and the names the user gave the parameters."""

    l: int
    dW: np.ndarray
    db: np.ndarray
    names: tuple[str, str]


def hidden_layer_findings(layer: UserLayer, act: Activation, ref: dict, a_prev: np.ndarray,
                          tol: float) -> list[Finding]:
    """Test the usual activation-derivative mistakes of a hidden layer against its gradients.

    Uses torch's ``da_l``, ``z_l`` and ``a_l`` (correct if the later layers are), so
    each hypothesis gives ``dW_l = (da_l * d)^T a_{l-1}`` and ``db_l = sum_rows(da_l * d)``.
    """
    l, names = layer.l, layer.names
    da, z, a = (np.asarray(ref[k], dtype=np.float64) for k in (f"grad a[{l}]", f"z[{l}]", f"a[{l}]"))
    a_prev = np.asarray(a_prev, dtype=np.float64)
    user = joint([layer.dW, layer.db])
    truth = joint([ref[f"grad {weight_key(l)}"], ref[f"grad {bias_key(l)}"]])

    def grads(d):
        dz = da * d
        return joint([dz.T @ a_prev, dz.sum(axis=0)])

    hypotheses = [
        ("missing_activation_derivative", f"the derivative of {act.spec} is left out (dz = da, no f'(z))",
         np.ones_like(z)),
        ("derivative_at_activation_output", f"the derivative of {act.spec} is taken at the activation output "
         f"a = f(z) instead of the pre-activation z", act.grad(a, act(a))),
        ("derivative_is_activation", "f(z) is used where f'(z) belongs (for sigmoid: sigma instead of "
         "sigma (1 - sigma))", a),
    ]
    found = []
    who = f"{names[0]}/{names[1]}"
    for code, words, d in hypotheses:
        h = grads(d)
        if rel_error_l2(h, truth) <= tol:
            continue  # harmless here (e.g. relu'(a) = relu'(z)): it cannot explain a mismatch
        c, residual = fit_factor(user, h)
        if residual <= tol:
            scale = "" if close(c, 1.0, tol) else f" (times {c:.6g})"
            found.append(Finding(code, f"{who} match the hypothesis that {words}{scale}", {"factor": c}))
    if act.name in ("relu", "leaky_relu") and not found:
        base, neg = grads((z > 0).astype(np.float64)), grads((z <= 0).astype(np.float64))
        nn = float(np.dot(neg, neg))
        if nn > 0:
            alpha = float(np.dot(user - base, neg)) / nn
            fitted = base + alpha * neg
            expected = act.params.get("negative_slope", 0.0)
            if rel_error_l2(user, fitted) <= tol and not close(alpha, expected, tol):
                found.append(Finding("leaky_slope", f"{who} match a derivative with slope {alpha:.6g} for "
                                                    f"negative inputs; {act.spec} has slope {expected:g}",
                                     {"slope": alpha, "expected": expected}))
    return found


def output_layer_findings(layer: UserLayer, act: Activation, ref: dict, a_prev, tol: float) -> list[Finding]:
    """The output activation's derivative left out (dz = dL/ds) - or, for a cross-entropy, which already
    differentiates through its softmax/sigmoid (there is no dL/ds in ``ref``), applied once more."""
    if act.name == "identity":
        return []
    l, names = layer.l, layer.names
    a_prev = np.asarray(a_prev, dtype=np.float64)
    linked = f"grad a[{l}]" not in ref
    if linked:
        p = np.asarray(ref["output"], dtype=np.float64)
        dz = np.asarray(ref[f"grad z[{l}]"], dtype=np.float64) * p * (1 - p)
    else:
        dz = np.asarray(ref[f"grad a[{l}]"], dtype=np.float64)
    c, residual = fit_factor(joint([layer.dW, layer.db]), joint([dz.T @ a_prev, dz.sum(axis=0)]))
    if residual > tol:
        return []
    if linked:
        return [Finding("activation_derivative_twice", f"{names[0]}/{names[1]} match the output delta p - y "
                        f"multiplied by p (1 - p) once more: the cross-entropy's gradient p - y already includes the "
                        f"{act.spec} derivative (it cancels), so it must not be applied again", {"factor": c})]
    return [Finding("missing_activation_derivative", f"{names[0]}/{names[1]} match the output activation "
                    f"{act.spec} with its derivative left out", {"factor": c})]
