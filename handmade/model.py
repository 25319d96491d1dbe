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
last layer. Shapes: X (N, n_0) -> s (N, n_L). Gradient names mirror their
forward twins (dW, db, dz, da), as in a hand-derived backprop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .errors import InvalidInput
from .losses import get_loss
from .spec import MLPSpec, as_matrix, check_data, check_params

_REUSE_FROM_BYTES = 128 * 1024  # glibc's default mmap threshold: arrays this big are mapped afresh each time


@dataclass
class Gradients:
    """Everything backward computes, for layer-by-layer comparison.

    ``params``: dL/dparameter, same keys and shapes as the parameters;
    ``input``: dL/dX (N, n_0); ``z[l]`` = dL/dz_l and ``a[l]`` = dL/da_l, (N, n_{l+1}).
    (Inside ``train_step`` only ``params`` is filled: the rest is not kept.)
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
    >>> loss = net.train_step(X, Y, make_optimizer("sgd", net.params, 0.1))  # all of it, fused

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
        self.params = spec.init_params() if params is None else check_params(params, spec.sizes, self.dtype)
        n = spec.n_layers
        self.activations = [Activation(spec.activation)] * (n - 1) + [Activation(spec.output_activation)]
        self._loss = get_loss(spec.loss)
        self._keys = [(f"layers.{l}.weight", f"layers.{l}.bias") for l in range(n)]
        self._cache = None
        self._workspaces = {}  # batch rows -> buffers that train_step reuses (see _workspace)

    # -- forward -----------------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """s = f_{L-1}(... f_0(X W_0^T + b_0) ...). Shape (N, n_0) -> (N, n_L)."""
        X = check_data(X, sizes=self.spec.sizes, dtype=self.dtype)
        return self._forward(X)

    __call__ = forward

    def _forward(self, X: np.ndarray, workspace: dict | None = None) -> np.ndarray:
        """Forward on an already validated X; caches (X, z_l, a_l) for backward.

        With a ``workspace`` (train_step, large arrays), z_l and a_l go into its buffers.
        """
        zs, acts = [], []
        a = X
        buffer = _buffers(workspace)
        for l, ((w_key, b_key), act) in enumerate(zip(self._keys, self.activations)):
            z = np.matmul(a, self.params[w_key].T, out=buffer("z", l))  # one BLAS call; .T is a view, no copy
            z += self.params[b_key]           # in place: no second (N, out) array
            a = act(z, out=buffer("a", l))    # identity: z itself
            zs.append(z)
            acts.append(a)
        self._cache = (X, zs, acts)
        return a

    def _workspace(self, n_rows: int) -> dict | None:
        """Buffers for training steps on n_rows rows, kept from step to step (valid until the next).

        z_l, a_l, dL/da_l (N, n_{l+1}) and one gradient per parameter. Without them
        a large network's step allocates tens of MB of fresh arrays, and the
        allocator hands blocks that big (>= 128 KiB) back to the system when they
        are freed: every page is then faulted in and zeroed again at the next step,
        a cost comparable to the element-wise arithmetic (measured: ~3500 faults per
        784-1024-1024-10 float64 step, ~10% of its time). Small arrays come from the
        allocator's cache for free, so small networks keep allocating (the buffer
        bookkeeping would cost them more than it saves): None for them.
        """
        if n_rows not in self._workspaces:
            widths = self.spec.sizes[1:]
            largest = max(n_rows * max(widths), *(p.size for p in self.params.values())) * self.dtype.itemsize
            self._workspaces[n_rows] = None if largest < _REUSE_FROM_BYTES else {
                "z": [np.empty((n_rows, w), dtype=self.dtype) for w in widths],
                "a": [np.empty((n_rows, w), dtype=self.dtype) for w in widths],
                "da": [np.empty((n_rows, w), dtype=self.dtype) for w in widths],
                "grads": {key: np.empty_like(p) for key, p in self.params.items()},
            }
        return self._workspaces[n_rows]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Forward without keeping a cache (inference)."""
        cache = self._cache
        try:
            return self.forward(X)
        finally:
            self._cache = cache

    def loss(self, Y: np.ndarray) -> float:
        """The spec's loss of the last forward output against Y (N, n_L)."""
        s = self._output()
        Y = self._targets(Y, s)
        return float(self._loss.f(s, Y))

    # -- backward ----------------------------------------------------------------
    def backward(self, Y: np.ndarray) -> Gradients:
        """Gradients of the loss of the last forward pass, by the chain rule.

        Keeps every dL/dz_l and dL/da_l and computes dL/dX, for layer-by-layer
        comparison; ``train_step`` is the lean version for training.
        """
        Y = self._targets(Y, self._output())
        return self._backprop(Y, keep=True)

    def _backprop(self, Y: np.ndarray, keep: bool, workspace: dict | None = None) -> Gradients:
        """The chain rule of the module docstring, from the output back.

        ``keep=False`` (training): dz_l overwrites da_l in place (nobody else
        holds da_l), and dL/dX = dz_0 W_0, which no parameter needs, is skipped
        - as torch autograd skips it for an input without ``requires_grad``;
        with a ``workspace`` the gradients and da_l go into its buffers (the
        same operations, so the same bits).
        """
        X, zs, acts = self._require_cache()
        n = len(self.activations)
        dz_list, da_list = [None] * n, [None] * n
        grads = {}
        buffer = _buffers(workspace)
        da = self._loss.df(acts[-1], Y)  # dL/ds, a fresh array
        for l in range(n - 1, -1, -1):
            w_key, b_key = self._keys[l]
            dz = self.activations[l].chain(da, zs[l], acts[l], out=None if keep else da)
            a_prev = acts[l - 1] if l > 0 else X
            grads[w_key] = np.matmul(dz.T, a_prev, out=buffer("grads", w_key))  # dW_l (out, in)
            grads[b_key] = dz.sum(axis=0, out=buffer("grads", b_key))           # db_l (out,)
            if keep:
                da_list[l], dz_list[l] = da, dz
            if keep or l > 0:  # da_{l-1} (N, in); dL/dX at l = 0 for the readable path only
                da = np.matmul(dz, self.params[w_key], out=buffer("da", l - 1) if l > 0 else None)
        if not keep:
            return Gradients(params=grads, input=None, z=[], a=[])
        ordered = {key: grads[key] for key in self.params}
        return Gradients(params=ordered, input=da, z=dz_list, a=da_list)

    # -- training ----------------------------------------------------------------
    def train_step(self, X: np.ndarray, Y: np.ndarray, optimizer, validate: bool = True) -> float:
        """One step: forward, loss, backward, ``optimizer.step``; returns the loss before the update.

        The same numbers as ``forward``/``loss``/``backward``/``optimizer.step``
        (bit for bit: the same operations, minus the copies). A non-finite loss
        returns at once, without an update, as ``handmade.train`` stops there.
        ``validate=False`` skips checking X and Y: for a loop that checked them once.
        """
        if validate:
            X, Y = check_data(X, Y, self.spec.sizes, self.dtype)
        workspace = self._workspace(len(X))
        s = self._forward(X, workspace)
        loss = float(self._loss.f(s, Y))
        if math.isfinite(loss):
            optimizer.step(self._backprop(Y, keep=False, workspace=workspace).params, overwrite_grads=True)
        return loss

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

    def _output(self):
        return self._require_cache()[2][-1]

    def _targets(self, Y, s):
        Y = as_matrix(Y, "Y", self.dtype)
        if Y.shape != s.shape:
            raise InvalidInput(f"Y has shape {Y.shape} but the output has shape {s.shape}")
        return Y

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}(", "  (layers): ModuleList("]
        for l, (n_in, n_out) in enumerate(zip(self.spec.sizes[:-1], self.spec.sizes[1:])):
            lines.append(f"    ({l}): Linear(in_features={n_in}, out_features={n_out}, bias=True)")
        lines.append("  )")
        lines.append(f"  (activation): {_torch_style(Activation(self.spec.activation))}")
        lines.append(f"  (output_activation): {_torch_style(self.activations[-1])}")
        lines.append(")")
        return "\n".join(lines)


def _buffers(workspace: dict | None):
    """``buffer(kind, index)``: that workspace buffer, or None (a fresh array) without a workspace."""
    return lambda kind, index: None if workspace is None else workspace[kind][index]


_TORCH_NAMES = {"identity": "Identity", "relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "Sigmoid",
                "tanh": "Tanh", "elu": "ELU", "softplus": "Softplus", "gelu": "GELU"}


def _torch_style(act: Activation) -> str:
    """Print an activation as torch prints the matching module, e.g. ``LeakyReLU(negative_slope=0.01)``."""
    name = _TORCH_NAMES.get(act.name, act.name)
    args = ", ".join(f"{k}={v}" for k, v in act.params.items())
    if act.name == "gelu":
        args = "approximate='none'"
    return f"{name}({args})"
