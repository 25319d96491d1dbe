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
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import Activation
from .errors import InvalidInput
from .model import MLP
from .optim import copy_state, make_optimizer
from .spec import MLPSpec, check_data, check_params
from .train import STOP_DIVERGED, History, StoppingRule, TrainPlan, train

# loss name -> (value scale, gradient scale, per_element) of ``scale * sum((s - y)^2)`` over one member's
# N*out elements; per_element scales divide by N*out, as handmade.losses does with s.size.
_LOSS_SCALES = {
    "mse": (1.0, 2.0, True),
    "sse": (1.0, 2.0, False),
    "half_sse": (0.5, 1.0, False),
}

SHARED_FIELDS = ("sizes", "activation", "output_activation", "loss", "dtype")  # what batched members share
BATCHED_LOSSES = tuple(_LOSS_SCALES)


def _shared_spec(specs: list[MLPSpec]) -> MLPSpec:
    if not specs:
        raise InvalidInput("batched training needs at least one network spec")
    first = specs[0]
    for spec in specs[1:]:
        for name in SHARED_FIELDS:
            if getattr(spec, name) != getattr(first, name):
                raise InvalidInput(
                    f"batched networks must share {', '.join(SHARED_FIELDS)}; {name} differs: "
                    f"{getattr(first, name)!r} vs {getattr(spec, name)!r} (seed and init may differ)"
                )
    if first.loss not in _LOSS_SCALES:
        raise InvalidInput(f"batched training supports the losses {', '.join(_LOSS_SCALES)}, got {first.loss!r}")
    return first


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
        self.spec = _shared_spec(self.specs)
        self.dtype = np.dtype(self.spec.dtype)
        if params_list is None:
            members = [spec.init_params() for spec in self.specs]  # of the right shapes and dtype, as in MLP
        elif len(params_list) != len(self.specs):
            raise InvalidInput(f"got {len(params_list)} parameter dicts for {len(self.specs)} specs")
        else:
            members = [check_params(p, self.spec.sizes, self.dtype) for p in params_list]
        n = self.spec.n_layers
        self.activations = [Activation(self.spec.activation)] * (n - 1) + [Activation(self.spec.output_activation)]
        self._keys = [(f"layers.{l}.weight", f"layers.{l}.bias") for l in range(n)]
        self.block_keys = [f"layers.{l}" for l in range(n)]  # the blocks' names (the optimizer's keys)
        self.blocks = [np.concatenate([np.stack([m[w_key] for m in members]),
                                       np.stack([m[b_key] for m in members])[..., None]], axis=2)
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
            aT = act(zT)  # identity returns zT itself
            zsT.append(zT)
            actsT.append(aT)
        self._cache = (X1, zsT, actsT)
        return aT

    def losses_and_grad(self, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-member loss (K,) and dL_k/ds_k^T (K, n_L, N), the scales of ``handmade.losses``."""
        sT = self._cache[2][-1]
        value_scale, grad_scale, per_element = _LOSS_SCALES[self.spec.loss]
        dT = sT - Y.T
        count = Y.size if per_element else 1
        losses = np.einsum("kjn,kjn->k", dT, dT)
        losses *= value_scale / count
        dT *= self.dtype.type(grad_scale / count)  # the same product as handmade.losses' gradient
        return losses, dT

    def backward(self, dsT: np.ndarray) -> list[np.ndarray]:
        """dtheta_l = [dW_l | db_l] (K, out, in+1) per layer from dL/ds^T (K, n_L, N); ``dsT`` is overwritten.

        The gradient blocks are buffers kept from step to step (valid until the next call).
        """
        X1, zsT, actsT = self._cache
        grad_blocks = self._grad_buffers()
        daT = dsT
        for l in range(len(self.blocks) - 1, -1, -1):
            block, grad = self.blocks[l], grad_blocks[l]
            dzT = self.activations[l].chain(daT, zsT[l], actsT[l], out=daT)    # (K, out, N)
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
            optimizer.keep_rows(keep, dict(zip(self.block_keys, self.blocks)))


def _layer_norms(grads: dict[str, np.ndarray], n_layers: int) -> np.ndarray:
    """||(dW_l, db_l)||_2 per member and layer, (K, n_layers), float64."""
    cols = []
    for l in range(n_layers):
        w, b = grads[f"layers.{l}.weight"], grads[f"layers.{l}.bias"]
        sq = np.einsum("koi,koi->k", w, w, dtype=np.float64) + np.einsum("ko,ko->k", b, b, dtype=np.float64)
        cols.append(np.sqrt(sq))
    return np.stack(cols, axis=1)


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
        # The gradient blocks are this engine's buffers: the step may use them as scratch space,
        # unless the norms below (of the pre-update gradients) still need them.
        self.optimizer.step(dict(zip(self.model.block_keys, grad_blocks)), overwrite_grads=not norms)
        if not norms:
            return None
        return _layer_norms(split_blocks(grad_blocks, self.model._keys), self.model.spec.n_layers)

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
    return train_members(_HandmadeEngine(model, plan), model.n_members, model.spec.n_layers, X, Y, plan)


def train_members(engine, K: int, n_layers: int, X: np.ndarray, Y: np.ndarray, plan: TrainPlan) -> list[History]:
    """The training loop of ``handmade.train``, for K stacked members at once (any engine).

    Per epoch and batch: per-member losses; members with a non-finite loss
    retire before the update (as a single run stops there); the others update.
    After each epoch, every member's stopping rule; stopped members retire.
    """
    histories = [History(loss=np.empty(0), final_params={}) for _ in range(K)]
    rules = [StoppingRule(plan) for _ in range(K)]
    checks_every_member = plan.stop_loss is not None or plan.patience is not None
    alive = np.arange(K)  # the original index of each row of the stack
    epoch_losses = np.full((plan.epochs, K), np.nan)
    epoch_norms = np.zeros((plan.epochs, K, n_layers)) if plan.record_grad_norms else None
    epochs_run = np.zeros(K, dtype=int)

    def retire(rows: np.ndarray, epoch: int, reasons: list[str]) -> np.ndarray:
        """Close the Histories of stack rows ``rows``, drop them; return the keep mask."""
        nonlocal alive
        for row, reason in zip(rows, reasons):
            k = alive[row]
            histories[k].stop_reason = reason
            histories[k].diverged_at = epoch if reason == STOP_DIVERGED else None
            histories[k].final_params = engine.member_params(row)
            epochs_run[k] = epoch
        keep = np.ones(len(alive), dtype=bool)
        keep[rows] = False
        engine.drop(keep)
        alive = alive[keep]
        return keep

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch, batches in enumerate(plan.batch_order(len(X)), start=1):
            if epoch in plan.snapshot_epochs:
                for row, k in enumerate(alive):
                    histories[k].snapshots[epoch] = engine.member_params(row)
                    histories[k].optimizer_snapshots[epoch] = engine.member_state(row)
            # Per epoch a handful of array operations on (K,) vectors, whatever K is: with
            # tiny networks this loop's own cost is comparable to a batched step's arithmetic.
            loss_sum = np.zeros(len(alive))
            norm_sum = np.zeros((len(alive), n_layers)) if epoch_norms is not None else None
            for rows in batches:
                xb, yb = (X, Y) if len(batches) == 1 else (X[rows], Y[rows])
                batch_loss = engine.losses(xb, yb)
                loss_sum += batch_loss
                finite = np.isfinite(batch_loss)
                if not finite.all():
                    bad = np.flatnonzero(~finite)
                    # As handmade.train: a non-finite batch loss ends that run before its update.
                    epoch_losses[epoch - 1, alive[bad]] = loss_sum[bad] / len(batches)
                    if epoch_norms is not None:
                        epoch_norms[epoch - 1, alive[bad]] = norm_sum[bad] / len(batches)
                    keep = retire(bad, epoch, [STOP_DIVERGED] * len(bad))
                    loss_sum = loss_sum[keep]
                    if norm_sum is not None:
                        norm_sum = norm_sum[keep]
                    if not len(alive):
                        break
                norms = engine.update(epoch_norms is not None)
                if norms is not None:
                    norm_sum += norms
            if not len(alive):
                break
            mean_loss = loss_sum / len(batches)
            epoch_losses[epoch - 1, alive] = mean_loss
            if epoch_norms is not None:
                epoch_norms[epoch - 1, alive] = norm_sum / len(batches)
            # Without a target or patience only divergence stops a member: one vectorised test.
            if checks_every_member or not np.isfinite(mean_loss).all():
                stops = [(row, reason) for row, k in enumerate(alive)
                         if (reason := rules[k].check(float(mean_loss[row]))) is not None]
                if stops:
                    retire(np.array([row for row, _ in stops]), epoch, [reason for _, reason in stops])
                    if not len(alive):
                        break
        if len(alive):
            retire(np.arange(len(alive)), plan.epochs, [histories[k].stop_reason for k in alive])

    for k, history in enumerate(histories):
        history.loss = epoch_losses[:epochs_run[k], k].copy()
        if epoch_norms is not None:
            history.grad_norms = epoch_norms[:epochs_run[k], k].copy()
    return histories


def train_separately(specs: Sequence[MLPSpec], X, Y, plan: TrainPlan) -> list[History]:
    """The reference for ``train_batched``: ``handmade.train`` run once per spec."""
    return [train(MLP(spec), X, Y, plan) for spec in specs]


__all__ = ["BATCHED_LOSSES", "SHARED_FIELDS", "BatchedMLP", "train_batched", "train_members", "train_separately"]
