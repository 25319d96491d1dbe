"""Hypotheses on the forward pass: a bias left out, another hidden or output activation (or both), a leaky slope."""

from __future__ import annotations

import numpy as np

from compare.check.diagnoses.factors import close
from compare.check.findings import Finding
from compare.check.texts import say
from compare.measure.differences import rel_error_l2
from handmade.activations import ACTIVATIONS, Activation
from handmade.contract.errors import InvalidInput
from handmade.model import MLP

OUTPUTS = ("identity", "relu", "sigmoid", "softmax")   # the output activations a hand-written network uses


def forward_alternatives(spec, params: dict, X: np.ndarray) -> list[tuple[Finding, np.ndarray]]:
    """Other forwards a student may have written: (the finding it would be, its output), by the handmade network."""
    out = []
    n = spec.n_layers
    bias_keys = [f"layers.{l}.bias" for l in range(n)]
    subsets = [[k] for k in bias_keys] + ([bias_keys] if n > 1 else [])
    for subset in subsets:
        p = {k: (np.zeros_like(v) if k in subset else v) for k, v in params.items()}
        layers = [say("phrase.layer", index=int(k.split(".")[1])) for k in subset]
        out.append((Finding.of("forward_without_bias", layers=layers), MLP(spec, p).forward(X)))
    for name in ACTIVATIONS:
        if n > 1 and name != Activation(spec.activation).name:
            out.append((Finding.of("wrong_activation", activation=name, declared=spec.activation),
                        MLP(spec.replace(activation=name), params).forward(X)))
    hidden = [name for name in ACTIVATIONS if n > 1 and name != Activation(spec.activation).name]
    for output in OUTPUTS:
        if output == Activation(spec.output_activation).name:
            continue
        # The forward alone is compared: any loss that can take this output will do.
        loss = spec.loss if _valid(spec, output, spec.loss) else ("ce" if output == "softmax" else "mse")
        out.append((Finding.of("wrong_output_activation", activation=output, declared=spec.output_activation),
                    MLP(spec.replace(output_activation=output, loss=loss), params).forward(X)))
        # Both changed: a sigmoid network with a sigmoid output checked with the default relu -> identity.
        for name in hidden:
            out.append((Finding.of("wrong_activations", activation=name, output=output, declared=spec.activation,
                                   declared_output=spec.output_activation),
                        MLP(spec.replace(activation=name, output_activation=output, loss=loss), params).forward(X)))
    return out


def _valid(spec, output_activation: str, loss: str) -> bool:
    try:
        spec.replace(output_activation=output_activation, loss=loss)
    except InvalidInput:
        return False
    return True


def leaky_slope_of_forward(spec, params: dict, X: np.ndarray, output: np.ndarray, tol: float) -> float | None:
    """For one hidden relu/leaky layer and an identity output, the slope alpha that fits ``output``.

    ``s = relu(z) W^T + alpha * min(z, 0) W^T + b`` is linear in alpha: least squares, then verified.
    """
    act = Activation(spec.activation)
    if spec.n_layers != 2 or act.name not in ("relu", "leaky_relu") or spec.output_activation != "identity" \
            or not spec.bias:
        return None
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    z = np.asarray(X, dtype=np.float64) @ p["layers.0.weight"].T + p["layers.0.bias"]
    base = np.maximum(z, 0) @ p["layers.1.weight"].T + p["layers.1.bias"]
    neg = np.minimum(z, 0) @ p["layers.1.weight"].T
    nn = float(np.vdot(neg, neg))
    if nn == 0:
        return None
    alpha = float(np.vdot(np.asarray(output, dtype=np.float64) - base, neg)) / nn
    ok = rel_error_l2(np.asarray(output, dtype=np.float64), base + alpha * neg) <= tol
    return alpha if ok and not close(alpha, act.params.get("negative_slope", 0.0), tol) else None
