"""Hypotheses on the backward pass: the usual activation-derivative mistakes, layer by layer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.check.diagnoses.factors import close, fit_factor
from compare.check.findings import Finding
from compare.check.texts import say
from compare.measure.differences import rel_error_l2
from handmade.activations import Activation
from handmade.contract.keys import bias_key, weight_key


def joint(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


@dataclass(frozen=True)
class UserLayer:
    """The user's gradients of layer ``l`` in torch layout (``db`` None for a network without biases), and the
    names the user gave the parameters."""

    l: int
    dW: np.ndarray
    db: np.ndarray | None
    names: tuple[str, ...]

    @property
    def who(self) -> str:
        return "/".join(self.names)

    @property
    def match(self) -> str:
        """The verb for ``who``: "W2/b2 match", "W2 matches" (a layer without a bias)."""
        return say("verb.match") if len(self.names) > 1 else say("verb.matches")

    def joint(self) -> np.ndarray:
        return joint([self.dW] + ([self.db] if self.db is not None else []))

    def from_dz(self, dz: np.ndarray, a_prev: np.ndarray) -> np.ndarray:
        """The layer's gradients for a given dL/dz_l: dW_l = dz^T a_{l-1}, db_l = sum_rows dz."""
        return joint([dz.T @ a_prev] + ([dz.sum(axis=0)] if self.db is not None else []))

    def truth(self, ref: dict) -> np.ndarray:
        return joint([ref[f"grad {weight_key(self.l)}"]] + ([ref[f"grad {bias_key(self.l)}"]] if self.db is not None
                                                           else []))


def _named(layer: UserLayer, hypotheses, truth, a_prev, tol) -> list[Finding]:
    """The hypotheses (the finding each would be, dz) whose gradients are a multiple of the user's (and not
    of the truth)."""
    found, user = [], layer.joint()
    for finding, dz in hypotheses:
        h = layer.from_dz(dz, a_prev)
        if rel_error_l2(h, truth) <= tol:
            continue  # harmless here (e.g. relu'(a) = relu'(z)): it cannot explain a mismatch
        c, residual = fit_factor(user, h)
        if residual <= tol:
            scale = "" if close(c, 1.0, tol) else say("phrase.times", factor=c)
            found.append(finding.extended(finding.variant, scale=scale, factor=c))
    return found


def hidden_layer_findings(layer: UserLayer, act: Activation, ref: dict, a_prev: np.ndarray, tol: float,
                          after: tuple[Activation, np.ndarray] | None = None) -> list[Finding]:
    """Test the usual activation-derivative mistakes of a hidden layer against its gradients.

    Uses torch's ``da_l``, ``z_l`` and ``a_l`` (correct if the later layers are), so
    each hypothesis gives ``dW_l = (da_l * d)^T a_{l-1}`` and ``db_l = sum_rows(da_l * d)``. One more
    hypothesis reaches a layer further (``after``: the next layer's activation and weight W_{l+1}): the
    *error* of layer l+1 (dL/da_{l+1}) sent back through W_{l+1} without the derivative of its activation -
    the delta rule's classic slip.
    """
    l = layer.l
    da, z, a = (np.asarray(ref[k], dtype=np.float64) for k in (f"grad a[{l}]", f"z[{l}]", f"a[{l}]"))
    a_prev = np.asarray(a_prev, dtype=np.float64)
    who, match, spec, scale = layer.who, layer.match, act.spec, ""
    hypotheses = [
        (Finding.of("missing_activation_derivative", "hidden", who=who, match=match, activation=spec, scale=scale),
         da),
        (Finding.of("derivative_at_activation_output", who=who, match=match, activation=spec, scale=scale),
         da * act.grad(a, act(a))),
        (Finding.of("derivative_is_activation", who=who, match=match, scale=scale), da * a),
    ]
    if after is not None and after[0].name != "identity" and f"grad a[{l + 1}]" in ref:
        next_act, w_next = after
        error = np.asarray(ref[f"grad a[{l + 1}]"], dtype=np.float64)
        sent_back = error @ np.asarray(w_next, dtype=np.float64)
        hypotheses.append((Finding.of("error_not_delta", who=who, match=match, activation=next_act.spec, layer=l,
                                      scale=scale), sent_back * act.grad(z, a)))
    found = _named(layer, hypotheses, layer.truth(ref), a_prev, tol)
    if act.name in ("relu", "leaky_relu") and not found:
        base = layer.from_dz(da * (z > 0), a_prev)
        neg = layer.from_dz(da * (z <= 0), a_prev)
        nn = float(np.dot(neg, neg))
        if nn > 0:
            user = layer.joint()
            alpha = float(np.dot(user - base, neg)) / nn
            expected = act.params.get("negative_slope", 0.0)
            if rel_error_l2(user, base + alpha * neg) <= tol and not close(alpha, expected, tol):
                found.append(Finding.of("leaky_slope", who=layer.who, match=layer.match, slope=alpha,
                                        activation=act.spec, expected=expected))
    return found


def output_layer_findings(layer: UserLayer, act: Activation, ref: dict, a_prev, tol: float) -> list[Finding]:
    """The output activation's derivative left out (dz = dL/ds) - or, for a cross-entropy, which already
    differentiates through its softmax/sigmoid (there is no dL/ds in ``ref``), applied once more."""
    if act.name == "identity":
        return []
    l = layer.l
    a_prev = np.asarray(a_prev, dtype=np.float64)
    linked = f"grad a[{l}]" not in ref
    if linked:
        p = np.asarray(ref["output"], dtype=np.float64)
        dz = np.asarray(ref[f"grad z[{l}]"], dtype=np.float64) * p * (1 - p)
    else:
        dz = np.asarray(ref[f"grad a[{l}]"], dtype=np.float64)
    c, residual = fit_factor(layer.joint(), layer.from_dz(dz, a_prev))
    if residual > tol:
        return []
    if linked:
        return [Finding.of("activation_derivative_twice", who=layer.who, match=layer.match, activation=act.spec,
                           factor=c)]
    return [Finding.of("missing_activation_derivative", "output", who=layer.who, match=layer.match,
                       activation=act.spec, factor=c)]
