"""The fused training step: ``forward``, ``loss``, ``backward`` and ``optimizer.step`` with fewer copies.

The same operations as ``handmade.model.MLP`` and ``handmade.optim`` - so the same bits
(tested) - minus what a training step never reads:

* the bias is added in place (``z += b``) and f(z) is written into a reused buffer (ReLU);
* dz_l overwrites da_l in place (nobody else holds da_l), by the fused kernels of
  ``handmade.fast.kernels``;
* dL/dX = dz_0 W_0, which no parameter needs, is skipped - as torch autograd skips it for
  an input without ``requires_grad``;
* plain SGD scales each gradient in place and subtracts it (``g *= lr; p -= g``, the same
  bits as ``p -= lr * g``) instead of allocating ``lr * g``;
* for large arrays, every z_l, a_l, da_l and gradient lives in a buffer kept from step to
  step (a *workspace*). Without them a large network's step allocates tens of MB of fresh
  arrays, and the allocator hands blocks that big (>= 128 KiB, glibc's mmap threshold)
  back to the system when they are freed: every page is then faulted in and zeroed again
  at the next step, a cost comparable to the element-wise arithmetic (measured: ~3500
  faults per 784-1024-1024-10 float64 step, ~10% of its time). Small arrays come from the
  allocator's cache for free, so small networks keep allocating.
"""

from __future__ import annotations

import math

import numpy as np

from ..contract.runs import EpochResult
from ..contract.spec import check_data
from ..losses import get_loss
from ..model import MLP
from ..optim import SGD
from .kernels import activate, chain

_REUSE_FROM_BYTES = 128 * 1024  # glibc's default mmap threshold: arrays this big are mapped afresh each time


class FusedStep:
    """``step = FusedStep(net, optimizer); loss = step(X, Y)``: one training step.

    Returns the loss before the update. A non-finite loss returns at once, without an
    update, as ``handmade.train`` stops there. ``step(X, Y)`` checks the data first
    (``check_data``); ``step.run(X, Y)`` takes arrays already checked (a loop checks once).
    """

    def __init__(self, model: MLP, optimizer):
        self.model = model
        self.optimizer = optimizer
        self._loss = get_loss(model.spec.loss)
        self._workspaces: dict[int, dict | None] = {}  # batch rows -> buffers (or None: small, allocate)
        self.last_grads: dict[str, np.ndarray] | None = None

    def __call__(self, X, Y) -> float:
        X, Y = check_data(X, Y, self.model.spec.sizes, self.model.dtype)
        return self.run(X, Y)

    def run(self, X: np.ndarray, Y: np.ndarray, keep_grads: bool = False) -> float:
        """The step on (X, Y) already checked: contiguous arrays of the model's dtype and shapes.

        ``keep_grads``: keep copies of this step's gradients in ``last_grads`` (the step itself
        may overwrite its own).
        """
        workspace = self._workspace(len(X))
        s = self._forward(X, workspace)
        loss = float(self._loss.f(self._cache[0][-1] if self._loss.link else s, Y))  # a linked loss takes z
        self.last_grads = None
        if math.isfinite(loss):
            grads = self._backward(X, Y, workspace)
            if keep_grads:
                self.last_grads = {key: grads[key].copy() for key in self.model.params}
            update(self.optimizer, grads)
        return loss

    def epoch_runner(self, X: np.ndarray, Y: np.ndarray, keep_grads: bool = False):
        """``one_epoch(batches) -> EpochResult`` over (X, Y), for ``handmade.contract.runs.run_epochs``.

        ``keep_grads``: the result holds the last batch's gradients (None after a non-finite loss).
        """
        n_layers = self.model.spec.n_layers

        def one_epoch(batches) -> EpochResult:
            total = 0.0
            for rows in batches:
                # One batch holding every row takes X as given, as handmade.train.run_epoch does.
                xb, yb = (X, Y) if len(batches) == 1 else (X[rows], Y[rows])
                loss = self.run(xb, yb, keep_grads)
                total += loss
                if not math.isfinite(loss):
                    break
            return EpochResult(total / len(batches), self.last_grads, np.zeros(n_layers))

        return one_epoch

    def _forward(self, X, workspace):
        """z_l = a_{l-1} W_l^T + b_l and a_l = f_l(z_l), into the workspace's buffers when there is one."""
        buffer = _buffers(workspace)
        params = self.model.params
        zs, acts = [], []
        a = X
        for l, ((w_key, b_key), act) in enumerate(zip(self.model.keys, self.model.activations)):
            z = np.matmul(a, params[w_key].T, out=buffer("z", l))  # one BLAS call; .T is a view, no copy
            if b_key in params:
                z += params[b_key]
            a = activate(act, z, out=buffer("a", l))
            zs.append(z)
            acts.append(a)
        self._cache = (zs, acts)
        return a

    def _backward(self, X, Y, workspace) -> dict[str, np.ndarray]:
        """dW_l and db_l from the output back; dz_l written over da_l, dL/dX skipped."""
        buffer = _buffers(workspace)
        params = self.model.params
        zs, acts = self._cache
        grads = {}
        last = len(acts) - 1
        # dL/ds, a fresh array - or, for a loss with a link, dL/dz_{L-1} itself (handmade.model).
        da = self._loss.df(zs[last] if self._loss.link else acts[last], Y)
        for l in range(last, -1, -1):
            w_key, b_key = self.model.keys[l]
            dz = da if l == last and self._loss.link else chain(self.model.activations[l], da, zs[l], acts[l], out=da)
            a_prev = acts[l - 1] if l > 0 else X
            grads[w_key] = np.matmul(dz.T, a_prev, out=buffer("grads", w_key))
            if b_key in params:
                grads[b_key] = dz.sum(axis=0, out=buffer("grads", b_key))
            if l > 0:
                da = np.matmul(dz, params[w_key], out=buffer("da", l - 1))
        return grads

    def _workspace(self, n_rows: int) -> dict | None:
        """Buffers for steps on ``n_rows`` rows: z_l, a_l, da_l (N, n_{l+1}) and one gradient per
        parameter; None for networks whose largest array is small (see the module docstring)."""
        if n_rows not in self._workspaces:
            spec, dtype = self.model.spec, self.model.dtype
            widths = spec.sizes[1:]
            largest = max(n_rows * max(widths), *(p.size for p in self.model.params.values())) * dtype.itemsize
            self._workspaces[n_rows] = None if largest < _REUSE_FROM_BYTES else {
                "z": [np.empty((n_rows, w), dtype=dtype) for w in widths],
                "a": [np.empty((n_rows, w), dtype=dtype) for w in widths],
                "da": [np.empty((n_rows, w), dtype=dtype) for w in widths],
                "grads": {key: np.empty_like(p) for key, p in self.model.params.items()},
            }
        return self._workspaces[n_rows]


def _buffers(workspace: dict | None):
    """``buffer(kind, index)``: that workspace buffer, or None (a fresh array) without a workspace."""
    return lambda kind, index: None if workspace is None else workspace[kind][index]


def update(optimizer, grads: dict[str, np.ndarray]) -> None:
    """``optimizer.step(grads)``, with plain SGD done in place on gradients nobody else reads.

    ``grads`` must be the caller's own scratch: afterwards they hold lr * g.
    """
    hyper = getattr(optimizer, "hyper", {})
    if type(optimizer) is SGD and not hyper["momentum"] and not hyper["weight_decay"]:
        optimizer.t += 1
        for key, p in optimizer.params.items():
            sgd_in_place(p, grads[key], optimizer.lr)
        return
    optimizer.step(grads)


def sgd_in_place(p: np.ndarray, g: np.ndarray, lr: float) -> None:
    """p -= lr * g, with lr * g written over g (the same bits as the readable ``p -= lr * g``)."""
    np.multiply(g, lr, out=g)
    p -= g
