"""Parameter keys and shapes: the torch ``state_dict`` layout both sides use.

Layer l = 0..L-1 of a network with sizes (n_0, ..., n_L) has a weight ``layers.{l}.weight``
of shape (n_{l+1}, n_l) (out, in) and a bias ``layers.{l}.bias`` of shape (n_{l+1},):
the keys of ``torch_ref.TorchMLP(...).state_dict()``, so one dict loads into both sides
with no transposes. Gradients use the same keys.
"""

from __future__ import annotations

import numpy as np


def weight_key(l: int) -> str:
    return f"layers.{l}.weight"


def bias_key(l: int) -> str:
    return f"layers.{l}.bias"


def layer_keys(n_layers: int) -> list[tuple[str, str]]:
    """[(weight key, bias key)] per layer, from the input to the output."""
    return [(weight_key(l), bias_key(l)) for l in range(n_layers)]


def param_shapes(sizes, bias: bool = True) -> dict[str, tuple[int, ...]]:
    """Expected ``state_dict`` shapes for layer sizes ``sizes``, in layer order, weight before bias
    (``bias=False``: a network without biases, weights only)."""
    shapes = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        shapes[weight_key(l)] = (n_out, n_in)
        if bias:
            shapes[bias_key(l)] = (n_out,)
    return shapes


def layer_grad_norms(grads: dict, n_layers: int) -> np.ndarray:
    """||(dW_l, db_l)||_2 per layer, in float64. Shapes: dW_l (..., out, in), db_l (..., out) -> (..., L).

    Leading axes are networks trained side by side (stacked), each with its own norms.
    """
    columns = []
    for w_key, b_key in layer_keys(n_layers):
        w = np.asarray(grads[w_key], dtype=np.float64)
        squares = np.einsum("...oi,...oi->...", w, w)
        if b_key in grads:  # a network without biases has none
            b = np.asarray(grads[b_key], dtype=np.float64)
            squares = squares + np.einsum("...o,...o->...", b, b)
        columns.append(np.sqrt(squares))
    return np.stack(columns, axis=-1)
