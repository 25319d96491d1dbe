"""The hand-written multilayer perceptron: forward and backward side by side.

For layers l = 0..L-1 with weights W_l (out, in) and biases b_l (out,), in
torch layout, and a_{-1} = X:

    forward                         backward (chain rule, from the output back)
    z_l = a_{l-1} W_l^T + b_l       da_{L-1} = dL/ds                 (the loss gradient)
    a_l = f_l(z_l)                  dz_l     = da_l * f_l'(z_l)      (element-wise)
    s   = a_{L-1}                   dW_l     = dz_l^T a_{l-1}        (out, in)
                                    db_l     = sum over rows of dz_l (out,)
                                    da_{l-1} = dz_l W_l              (N, in)

f_l is the hidden activation for l < L-1 and the output activation for the
last layer. A loss with a link (``ce``: softmax, ``bce``: sigmoid; see
``handmade.losses``) is a function of the logits z_{L-1} and gives
dz_{L-1} = dL/dz_{L-1} (= (p - y)/N for ``ce``) directly: dL/ds is not formed.
Shapes: X (N, n_0) -> s (N, n_L). Gradient names mirror their forward twins
(dW, db, dz, da), as in a hand-derived backprop.

(A training step that computes the same numbers with fewer copies lives in
``handmade.fast``; this file is the formulas, and the fast step's contract.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .contract.errors import InvalidInput
from .contract.keys import layer_keys
from .contract.spec import MLPSpec, as_matrix, check_data, check_params
from .losses import get_loss, one_hot


@dataclass
class Gradients:
    """Everything backward computes, for layer-by-layer comparison.

    ``params``: dL/dparameter, same keys and shapes as the parameters;
    ``input``: dL/dX (N, n_0); ``z[l]`` = dL/dz_l and ``a[l]`` = dL/da_l, (N, n_{l+1})
    (``a[-1]``, dL/ds, is None for a loss with a link: it is never formed).
    """

    params: dict[str, np.ndarray]
    input: np.ndarray
    z: list[np.ndarray]
    a: list[np.ndarray]


class MLP:
    """A fully connected network in NumPy.

    >>> net = MLP(MLPSpec(sizes=(30, 16, 3), activation="relu"))
    >>> s = net.forward(X)            # (N, 3); caches what backward needs
    >>> loss = net.loss(Y)            # scalar, the spec's loss of that output
    >>> grads = net.backward(Y)       # Gradients, keys as net.params

    ``params`` defaults to ``spec.init_params()``; pass a dict (torch layout) to
    start from other numbers. It is used as given (no copy) when it already has
    the right dtype, so an optimizer can update it in place.
    """

    def __init__(self, spec: MLPSpec | None = None, params: dict | None = None, **spec_fields):
        if spec is None:
            spec = MLPSpec(**spec_fields)
        elif spec_fields:
            spec = spec.replace(**spec_fields)
        if not isinstance(spec, MLPSpec):
            raise TypeError(f"spec must be an MLPSpec, got {type(spec).__name__}")
        self.spec = spec
        self.dtype = np.dtype(spec.dtype)
        self.params = spec.init_params() if params is None else check_params(params, spec.sizes, self.dtype,
                                                                             spec.bias)
        n = spec.n_layers
        self.activations = [Activation(spec.activation)] * (n - 1) + [Activation(spec.output_activation)]
        self.keys = layer_keys(n)
        self._loss = get_loss(spec.loss)
        self._cache = None

    # -- forward -----------------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """s = f_{L-1}(... f_0(X W_0^T + b_0) ...); caches (X, z_l, a_l) for backward. (N, n_0) -> (N, n_L)."""
        X = check_data(X, sizes=self.spec.sizes, dtype=self.dtype)
        zs, acts = [], []
        a = X
        for (w_key, b_key), f in zip(self.keys, self.activations):
            z = a @ self.params[w_key].T                         # z_l = a_{l-1} W_l^T + b_l   (N, out)
            if self.spec.bias:
                z = z + self.params[b_key]
            a = f(z)                                             # a_l = f_l(z_l)
            zs.append(z)
            acts.append(a)
        self._cache = (X, zs, acts)
        return a

    __call__ = forward

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Forward without keeping a cache (inference)."""
        cache = self._cache
        try:
            return self.forward(X)
        finally:
            self._cache = cache

    def loss(self, Y: np.ndarray) -> float:
        """The spec's loss of the last forward output against Y (N, n_L), or integer labels (N,) for ce/bce."""
        _, zs, acts = self._require_cache()
        scores = zs[-1] if self._loss.link else acts[-1]   # a linked loss takes the logits
        return float(self._loss.f(scores, self._targets(Y, acts[-1])))

    # -- backward ----------------------------------------------------------------
    def backward(self, Y: np.ndarray) -> Gradients:
        """Gradients of the loss of the last forward pass, by the chain rule (see the module docstring).

        Keeps every dL/dz_l and dL/da_l and computes dL/dX, for layer-by-layer comparison.
        """
        X, zs, acts = self._require_cache()
        Y = self._targets(Y, acts[-1])
        n = len(self.activations)
        dz_list, da_list = [None] * n, [None] * n
        grads = {}
        da, dz = self._output_gradients(zs[-1], acts[-1], Y)    # dL/ds, dL/dz_{L-1}       (N, n_L)
        for l in range(n - 1, -1, -1):
            w_key, b_key = self.keys[l]
            if l < n - 1:
                dz = da * self.activations[l].grad(zs[l], acts[l])  # dz_l = da_l * f_l'(z_l)  (N, out)
            a_prev = acts[l - 1] if l > 0 else X
            grads[w_key] = dz.T @ a_prev                        # dW_l = dz_l^T a_{l-1}   (out, in)
            if self.spec.bias:
                grads[b_key] = dz.sum(axis=0)                   # db_l = sum_rows dz_l    (out,)
            da_list[l], dz_list[l] = da, dz
            da = dz @ self.params[w_key]                        # da_{l-1} = dz_l W_l     (N, in)
        ordered = {key: grads[key] for key in self.params}
        return Gradients(params=ordered, input=da, z=dz_list, a=da_list)

    def _output_gradients(self, z, s, Y) -> tuple[np.ndarray | None, np.ndarray]:
        """(dL/ds, dL/dz) of the output layer: dL/dz = dL/ds * f'(z), or straight from a linked loss."""
        if self._loss.link:
            return None, self._loss.df(z, Y)                    # the loss differentiates through its link
        da = self._loss.df(s, Y)
        return da, da * self.activations[-1].grad(z, s)

    # -- helpers -------------------------------------------------------------------
    @property
    def intermediates(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(z_l, a_l) of the last forward pass."""
        _, zs, acts = self._require_cache()
        return zs, acts

    def _require_cache(self):
        if self._cache is None:
            raise InvalidInput("call forward(X) before loss(Y) or backward(Y)")
        return self._cache

    def _targets(self, Y, s):
        if self._loss.link and np.asarray(Y).ndim == 1 and np.asarray(Y).dtype.kind in "iu":
            Y = one_hot(Y, s.shape[-1], self.dtype)            # class labels for a classifier
        Y = as_matrix(Y, "Y", self.dtype)
        if Y.shape != s.shape:
            raise InvalidInput(f"Y has shape {Y.shape} but the output has shape {s.shape}")
        return Y

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}(", "  (layers): ModuleList("]
        for l, (n_in, n_out) in enumerate(zip(self.spec.sizes[:-1], self.spec.sizes[1:])):
            lines.append(f"    ({l}): Linear(in_features={n_in}, out_features={n_out}, bias={self.spec.bias})")
        lines.append("  )")
        lines.append(f"  (activation): {_torch_style(Activation(self.spec.activation))}")
        lines.append(f"  (output_activation): {_torch_style(self.activations[-1])}")
        lines.append(")")
        return "\n".join(lines)


_TORCH_NAMES = {"identity": "Identity", "relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "Sigmoid",
                "tanh": "Tanh", "elu": "ELU", "softplus": "Softplus", "gelu": "GELU", "softmax": "Softmax"}


def _torch_style(act: Activation) -> str:
    """Print an activation as torch prints the matching module, e.g. ``LeakyReLU(negative_slope=0.01)``."""
    name = _TORCH_NAMES.get(act.name, act.name)
    args = ", ".join(f"{k}={v}" for k, v in act.params.items())
    if act.name == "gelu":
        args = "approximate='none'"
    if act.name == "softmax":
        args = "dim=-1"
    return f"{name}({args})"
