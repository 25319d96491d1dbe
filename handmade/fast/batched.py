"""K networks of one shape trained at once: stacked weights, batched matmul.

Member k = 0..K-1 has its own parameters (its own seed or initialiser); they are
stacked along a leading axis, W_l (K, out, in) and b_l (K, out), under the same
keys as one network's parameters. Member k computes what ``handmade.model``
computes, written in two textbook forms that make K networks cheap:

* **the bias as a weight**: each layer's parameters live in one block
  theta_l = [W_l | b_l] (K, out, in+1), the bias being the weight of a constant
  input 1, so that z = [a | 1] theta^T and dtheta = dz^T [a | 1] hold W and b
  together (``params`` are views into the blocks);
* **transposed activations** a^T (K, n, N), so that every layer is "stacked
  weights @ stacked activations" with contiguous operands:

    forward                                   backward (per member, as handmade.model)
    z_l^T = W_l @ a_{l-1}^T + b_l             dz_l^T     = da_l^T * f_l'(z_l^T)       (K, out, N)
    a_l^T = f_l(z_l^T)     (K, out, N)        dtheta_l   = dz_l^T @ [a_{l-1} | 1]     (K, out, in+1)
                                              da_{l-1}^T = W_l^T @ dz_l^T             (K, in, N)

The first layer's input X is the same for every member, so its K matmuls are
one: the K blocks stacked row-wise are one (K*out, n_0+1) matrix (a reshape, no
copy), ``theta_all @ [X | 1]^T`` (K*out, N) holds every member's z_0^T with its
bias, and ``dz_0^T (K*out, N) @ [X | 1]`` every member's [dW_0 | db_0] - one
BLAS call each instead of K small ones and two bias passes. The optimizers of
``handmade.optim`` are element-wise, so they update the blocks (one array per
layer) exactly as they would update W and b apart. For tiny networks (the
letters: 30-16-3, N = 3) the time then goes to those two calls, the optimizer's
passes over theta_0 and a fixed number of NumPy calls per step, whatever K is;
gradient buffers are reused from step to step because a fresh W-sized array
per step costs hundreds of page faults when K is large.

No operation mixes two members - everything is element-wise or a matmul within
one member (the stacked first layer multiplies each row of theta_all by X
alone) - so a member whose loss turns NaN cannot poison the others. A member
that stops (diverged, target reached, patience) is dropped from the stack, its
History complete, and the others go on.

``train_batched(specs, X, Y, plan)`` returns one ``History`` per member, equal
(to the float64 tolerance) to ``handmade.train`` run K times: the sums run in
another order than in a single network's matmuls, so they differ by rounding.
The losses are ``handmade.losses``' own functions (they take leading axes), the
activation derivatives ``handmade.fast.kernels``', the loop is the shared
``handmade.contract.runs.run_members``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..activations import Activation
from ..contract.keys import layer_grad_norms, layer_keys
from ..contract.plan import TrainPlan
from ..contract.runs import History, run_members
from ..contract.spec import MLPSpec, check_data, members
from ..losses import get_loss
from ..optim import copy_state, make_optimizer
from .kernels import chain
from .step import update


def _with_ones(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[X | 1] (N, n+1) and its transpose [X | 1]^T (n+1, N), both contiguous (BLAS's fast path)."""
    X1 = np.empty((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
    X1[:, :-1] = X
    X1[:, -1] = 1
    return X1, np.ascontiguousarray(X1.T)


def _stacked_with_ones(aT: np.ndarray) -> np.ndarray:
    """[a | 1] (K, N, n+1), contiguous, from stacked transposed activations a^T (K, n, N)."""
    K, n, N = aT.shape
    a1 = np.empty((K, N, n + 1), dtype=aT.dtype)
    a1[:, :, :-1] = aT.transpose(0, 2, 1)
    a1[:, :, -1] = 1
    return a1


def split_blocks(blocks: Sequence[np.ndarray], keys: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """{"layers.l.weight": block[..., :-1], "layers.l.bias": block[..., -1]}: views, any leading axes."""
    out = {}
    for (w_key, b_key), block in zip(keys, blocks):
        out[w_key], out[b_key] = block[..., :-1], block[..., -1]
    return out


class BatchedMLP:
    """K networks of one shape: ``BatchedMLP([MLPSpec(seed=k) for k in range(100)])``.

    ``blocks[l]`` = [W_l | b_l] (K, out, in+1) for the K members; ``params[key]``
    is the stack of the members' ``params[key]`` (K, ...), a view into the
    blocks. ``params_list`` (one dict per member, torch layout) overrides the
    specs' own initial parameters. Shapes: X (N, n_0) -> s (K, N, n_L).
    """

    def __init__(self, specs: Sequence[MLPSpec] | MLPSpec, params_list: Sequence[dict] | None = None):
        self.specs = [specs] if isinstance(specs, MLPSpec) else list(specs)
        self.spec, member_params = members(self.specs, params_list)
        self.dtype = np.dtype(self.spec.dtype)
        n = self.spec.n_layers
        self.activations = [Activation(self.spec.activation)] * (n - 1) + [Activation(self.spec.output_activation)]
        self._loss = get_loss(self.spec.loss)
        self._keys = layer_keys(n)
        self.block_keys = [f"layers.{l}" for l in range(n)]  # the blocks' names (the optimizer's keys)
        self.blocks = [np.concatenate([np.stack([m[w_key] for m in member_params]),
                                       np.stack([m[b_key] for m in member_params])[..., None]], axis=2)
                       for w_key, b_key in self._keys]
        self._cache = None
        self._grad_blocks = None

    @property
    def params(self) -> dict[str, np.ndarray]:
        """W_l (K, out, in) and b_l (K, out) under one network's keys: views into ``blocks``."""
        return split_blocks(self.blocks, self._keys)

    @property
    def n_members(self) -> int:
        return len(self.blocks[0])

    def member_params(self, k: int) -> dict[str, np.ndarray]:
        """Member k's parameters as one network's dict (contiguous copies)."""
        return {key: p[k].copy() for key, p in self.params.items()}

    def forward(self, X: np.ndarray) -> np.ndarray:
        """s (K, N, n_L) for a validated X (N, n_0) shared by all members (a transposed view of s^T)."""
        return self._forward(*_with_ones(X)).transpose(0, 2, 1)

    def _forward(self, X1: np.ndarray, X1T: np.ndarray) -> np.ndarray:
        """s^T (K, n_L, N) from [X | 1] and its transpose; caches what backward needs."""
        zsT, actsT = [], []
        n_rows = len(X1)
        aT = None
        for l, (block, act) in enumerate(zip(self.blocks, self.activations)):
            if l == 0:
                K, n_out, n_in1 = block.shape
                zT = (block.reshape(K * n_out, n_in1) @ X1T).reshape(K, n_out, n_rows)
            else:
                zT = np.matmul(block[:, :, :-1], aT)
                zT += block[:, :, -1:]
            # identity returns zT itself; a row-wise output (softmax) is applied to the rows, (K, N, out).
            aT = act(zT) if act.elementwise else act(zT.transpose(0, 2, 1)).transpose(0, 2, 1)
            zsT.append(zT)
            actsT.append(aT)
        self._cache = (X1, zsT, actsT)
        return aT

    def losses_and_grad(self, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-member loss (K,) and dL_k/ds_k^T (K, n_L, N) - of the logits z for a loss with a link - by
        ``handmade.losses`` (which take leading axes).

        An element-wise loss is handed the transposed blocks s^T (K, n_L, N) and Y^T as they lie in
        memory (the same value and the same gradient, transposed); any other loss gets (K, N, n_L).
        """
        sT = self._cache[1][-1] if self._loss.link else self._cache[2][-1]  # a linked loss takes the logits
        if self._loss.elementwise:
            return np.asarray(self._loss.f(sT, Y.T), dtype=np.float64), self._loss.df(sT, Y.T)
        s = sT.transpose(0, 2, 1)
        return (np.asarray(self._loss.f(s, Y), dtype=np.float64),
                np.ascontiguousarray(self._loss.df(s, Y).transpose(0, 2, 1)))

    def backward(self, dsT: np.ndarray) -> list[np.ndarray]:
        """dtheta_l = [dW_l | db_l] (K, out, in+1) per layer from dL/ds^T (K, n_L, N) - dL/dz^T for a loss with a
        link - ; ``dsT`` is overwritten.

        The gradient blocks are buffers kept from step to step (valid until the next call).
        """
        X1, zsT, actsT = self._cache
        grad_blocks = self._grad_buffers()
        daT = dsT
        last = len(self.blocks) - 1
        for l in range(last, -1, -1):
            block, grad = self.blocks[l], grad_blocks[l]
            if l == last and self._loss.link:
                dzT = daT  # a linked loss gave dL/dz already
            else:
                dzT = chain(self.activations[l], daT, zsT[l], actsT[l], out=daT)    # (K, out, N)
            if l == 0:
                # Every member's [dW_0 | db_0] = dz_0^T @ [X | 1] in one call: (K*out, N) @ (N, n_0+1).
                K, n_out, n_in1 = block.shape
                np.matmul(dzT.reshape(K * n_out, len(X1)), X1, out=grad.reshape(K * n_out, n_in1))
            else:
                np.matmul(dzT, _stacked_with_ones(actsT[l - 1]), out=grad)
                daT = np.matmul(block[:, :, :-1].transpose(0, 2, 1), dzT)      # da_{l-1}^T (K, in, N)
        return grad_blocks

    def _grad_buffers(self) -> list[np.ndarray]:
        """One gradient block per layer, reused while the stack keeps its members."""
        if self._grad_blocks is None or len(self._grad_blocks[0]) != self.n_members:
            self._grad_blocks = [np.empty_like(block) for block in self.blocks]
        return self._grad_blocks

    def keep_members(self, keep: np.ndarray, optimizer=None) -> None:
        """Drop every member whose ``keep`` is False (from the blocks and the optimizer state)."""
        self.blocks = [block[keep] for block in self.blocks]
        if optimizer is not None:
            optimizer.params = dict(zip(self.block_keys, self.blocks))
            for inner in optimizer.state.values():
                for name in inner:
                    inner[name] = inner[name][keep]


class _HandmadeEngine:
    """What the shared training loop needs from one implementation of K stacked networks.

    ``losses(xb, yb)`` runs forward and returns the per-member loss (K,);
    ``drop(keep)`` removes members (parameters, optimizer state, the pending
    batch); ``update(norms)`` runs backward and the optimizer step, returning
    per-member layer gradient norms (K, L) when asked; ``member_params(row)``
    and ``member_state(row)`` export one member as numpy.
    The optimizer updates the blocks [W_l | b_l] (keys ``layers.l``).
    """

    def __init__(self, model: BatchedMLP, plan: TrainPlan):
        self.model = model
        self.optimizer = make_optimizer(plan.optimizer, dict(zip(model.block_keys, model.blocks)), plan.lr)
        self._ds = None
        self._inputs = (None, None)  # (xb, [xb | 1] and its transpose): full batch builds them once

    def losses(self, xb, yb) -> np.ndarray:
        if self._inputs[0] is not xb:
            self._inputs = (xb, _with_ones(xb))
        self.model._forward(*self._inputs[1])
        losses, self._ds = self.model.losses_and_grad(yb)
        return losses

    def drop(self, keep: np.ndarray) -> None:
        self.model.keep_members(keep, self.optimizer)
        X1, zs, acts = self.model._cache
        self.model._cache = (X1, [z[keep] for z in zs], [a[keep] for a in acts])
        self._ds = self._ds[keep]

    def update(self, norms: bool):
        grad_blocks = self.model.backward(self._ds)
        grads = dict(zip(self.model.block_keys, grad_blocks))
        if not norms:
            # The gradient blocks are this engine's buffers: the step may use them as scratch space.
            update(self.optimizer, grads)
            return None
        result = layer_grad_norms(split_blocks(grad_blocks, self.model._keys), self.model.spec.n_layers)
        self.optimizer.step(grads)
        return result

    def member_params(self, row: int) -> dict[str, np.ndarray]:
        return self.model.member_params(row)

    def member_state(self, row: int) -> dict:
        """The optimizer state of one member under one network's keys (``momentum_buffer``, ...)."""
        keys = self.model._keys
        names = {name for inner in self.optimizer.state.values() for name in inner}
        state = {key: {} for pair in keys for key in pair}
        for name in names:
            blocks = [self.optimizer.state[block_key][name][row] for block_key in self.model.block_keys]
            for key, arr in split_blocks(blocks, keys).items():
                state[key][name] = arr
        return {"t": self.optimizer.t, "state": copy_state(state)}


def train_batched(model: BatchedMLP | Sequence[MLPSpec], X, Y, plan: TrainPlan) -> list[History]:
    """Train K networks at once on the same (X, Y) and plan; one History per member, in order.

    Each member follows ``handmade.train`` exactly: the same batches, its own
    optimizer state, its own stopping rule. The stacked parameters are updated
    in place; the Histories hold copies.
    """
    if not isinstance(model, BatchedMLP):
        model = BatchedMLP(model)
    X, Y = check_data(X, Y, model.spec.sizes, model.dtype)
    return run_members(_HandmadeEngine(model, plan), model.n_members, model.spec.n_layers, X, Y, plan)


__all__ = ["BatchedMLP", "train_batched"]
