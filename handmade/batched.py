"""K networks of one shape trained at once: stacked weights, batched matmul.

Member k = 0..K-1 has its own parameters (its own seed or initialiser); they are
stacked along a leading axis, W_l (K, out, in) and b_l (K, out), under the same
keys as one network's parameters. With the data X (N, n_0) shared by all members:

    forward                                   backward (per member, as handmade.model)
    z_l = a_{l-1} @ W_l^T + b_l[:, None]      dz_l     = da_l * f_l'(z_l)          (K, N, out)
    a_l = f_l(z_l)         (K, N, out)        dW_l     = dz_l^T @ a_{l-1}          (K, out, in)
                                              db_l     = sum over rows of dz_l     (K, out)
                                              da_{l-1} = dz_l @ W_l                (K, N, in)

``np.matmul`` broadcasts over the leading K axis (a_{-1} = X has none). No
operation mixes two members - everything is element-wise or a matmul within one
member - so a member whose loss turns NaN cannot poison the others. The
optimizers of ``handmade.optim`` are element-wise too, so they run unchanged on
the stacked dict; a member that stops (diverged, target reached, patience) is
dropped from the stack, its History complete, and the others go on.

``train_batched(specs, X, Y, plan)`` returns one ``History`` per member, equal
(to the float64 tolerance) to ``handmade.train`` run K times.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import Activation
from .errors import InvalidInput
from .optim import make_optimizer
from .spec import MLPSpec, check_data, check_params
from .train import STOP_DIVERGED, History, StoppingRule, TrainPlan, copy_state

# loss name -> (value scale, gradient scale) of ``scale * sum((s - y)^2)`` over one member's N*out
# elements; "per_element" scales divide by N*out, as handmade.losses does with s.size.
_LOSS_SCALES = {
    "mse": (1.0, 2.0, True),
    "sse": (1.0, 2.0, False),
    "half_sse": (0.5, 1.0, False),
}

_SHARED_FIELDS = ("sizes", "activation", "output_activation", "loss", "dtype")


def _shared_spec(specs: Sequence[MLPSpec]) -> MLPSpec:
    if isinstance(specs, MLPSpec):
        specs = [specs]
    specs = list(specs)
    if not specs:
        raise InvalidInput("batched training needs at least one network spec")
    first = specs[0]
    for spec in specs[1:]:
        for name in _SHARED_FIELDS:
            if getattr(spec, name) != getattr(first, name):
                raise InvalidInput(
                    f"batched networks must share {', '.join(_SHARED_FIELDS)}; {name} differs: "
                    f"{getattr(first, name)!r} vs {getattr(spec, name)!r} (seed and init may differ)"
                )
    if first.loss not in _LOSS_SCALES:
        raise InvalidInput(f"batched training supports the losses {', '.join(_LOSS_SCALES)}, got {first.loss!r}")
    return first


class BatchedMLP:
    """K networks of one shape: ``BatchedMLP([MLPSpec(seed=k) for k in range(100)])``.

    ``params[key]`` is the stack of the members' ``params[key]`` (K, ...);
    ``params_list`` (one dict per member, torch layout) overrides the specs' own
    initial parameters. Shapes: X (N, n_0) -> s (K, N, n_L).
    """

    def __init__(self, specs: Sequence[MLPSpec] | MLPSpec, params_list: Sequence[dict] | None = None):
        self.specs = [specs] if isinstance(specs, MLPSpec) else list(specs)
        self.spec = _shared_spec(self.specs)
        self.dtype = np.dtype(self.spec.dtype)
        if params_list is None:
            params_list = [spec.init_params() for spec in self.specs]
        elif len(params_list) != len(self.specs):
            raise InvalidInput(f"got {len(params_list)} parameter dicts for {len(self.specs)} specs")
        members = [check_params(p, self.spec.sizes, self.dtype) for p in params_list]
        self.params = {key: np.stack([m[key] for m in members]) for key in members[0]}
        n = self.spec.n_layers
        self.activations = [Activation(self.spec.activation)] * (n - 1) + [Activation(self.spec.output_activation)]
        self._keys = [(f"layers.{l}.weight", f"layers.{l}.bias") for l in range(n)]
        self._cache = None

    @property
    def n_members(self) -> int:
        return len(next(iter(self.params.values())))

    def member_params(self, k: int) -> dict[str, np.ndarray]:
        """Member k's parameters as one network's dict (copies)."""
        return {key: p[k].copy() for key, p in self.params.items()}

    def forward(self, X: np.ndarray) -> np.ndarray:
        """s (K, N, n_L) for a validated X (N, n_0) shared by all members."""
        zs, acts = [], []
        a = X
        for (w_key, b_key), act in zip(self._keys, self.activations):
            z = np.matmul(a, self.params[w_key].transpose(0, 2, 1))
            z += self.params[b_key][:, None, :]
            a = z if act.name == "identity" else act(z)
            zs.append(z)
            acts.append(a)
        self._cache = (X, zs, acts)
        return a

    def losses_and_grad(self, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-member loss (K,) and dL_k/ds_k (K, N, n_L), the scales of ``handmade.losses``."""
        s = self._cache[2][-1]
        value_scale, grad_scale, per_element = _LOSS_SCALES[self.spec.loss]
        d = s - Y
        count = Y.size if per_element else 1
        losses = np.einsum("knj,knj->k", d, d) * self.dtype.type(value_scale / count)
        d *= self.dtype.type(grad_scale / count)  # the same product as handmade.losses' gradient
        return losses, d

    def backward(self, ds: np.ndarray) -> dict[str, np.ndarray]:
        """Stacked parameter gradients from dL/ds (K, N, n_L); ``ds`` is overwritten."""
        X, zs, acts = self._cache
        grads = {}
        da = ds
        for l in range(len(self._keys) - 1, -1, -1):
            w_key, b_key = self._keys[l]
            dz = self.activations[l].chain(da, zs[l], acts[l], out=da)
            a_prev = acts[l - 1] if l > 0 else X
            grads[w_key] = np.matmul(dz.transpose(0, 2, 1), a_prev)  # dW_l (K, out, in)
            grads[b_key] = dz.sum(axis=1)                            # db_l (K, out)
            if l > 0:
                da = np.matmul(dz, self.params[w_key])                # da_{l-1} (K, N, in)
        return grads

    def keep_members(self, keep: np.ndarray, optimizer=None) -> None:
        """Drop every member whose ``keep`` is False (from the parameters and the optimizer state)."""
        for key in self.params:
            self.params[key] = self.params[key][keep]
        if optimizer is not None:
            optimizer.params = self.params
            for inner in optimizer.state.values():
                for name in inner:
                    inner[name] = inner[name][keep]


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
    """

    def __init__(self, model: BatchedMLP, plan: TrainPlan):
        self.model = model
        self.optimizer = make_optimizer(plan.optimizer, model.params, plan.lr)
        self._ds = None

    def losses(self, xb, yb) -> np.ndarray:
        self.model.forward(xb)
        losses, self._ds = self.model.losses_and_grad(yb)
        return losses

    def drop(self, keep: np.ndarray) -> None:
        self.model.keep_members(keep, self.optimizer)
        X, zs, acts = self.model._cache
        self.model._cache = (X, [z[keep] for z in zs], [a[keep] for a in acts])
        self._ds = self._ds[keep]

    def update(self, norms: bool):
        grads = self.model.backward(self._ds)
        self.optimizer.step(grads)  # reads grads, never changes them: the norms below are pre-update
        return _layer_norms(grads, self.model.spec.n_layers) if norms else None

    def member_params(self, row: int) -> dict[str, np.ndarray]:
        return self.model.member_params(row)

    def member_state(self, row: int) -> dict:
        state = {key: {name: arr[row] for name, arr in inner.items()} for key, inner in self.optimizer.state.items()}
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
            loss_sum = np.zeros(len(alive))
            norm_sum = np.zeros((len(alive), n_layers))
            for rows in batches:
                xb, yb = (X, Y) if len(batches) == 1 else (X[rows], Y[rows])
                batch_loss = engine.losses(xb, yb)
                loss_sum += batch_loss
                bad = np.flatnonzero(~np.isfinite(batch_loss))
                if len(bad):
                    # As handmade.train: a non-finite batch loss ends that run before its update.
                    epoch_losses[epoch - 1, alive[bad]] = loss_sum[bad] / len(batches)
                    if epoch_norms is not None:
                        epoch_norms[epoch - 1, alive[bad]] = norm_sum[bad] / len(batches)
                    keep = retire(bad, epoch, [STOP_DIVERGED] * len(bad))
                    loss_sum, norm_sum = loss_sum[keep], norm_sum[keep]
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
            if checks_every_member or not np.all(np.isfinite(mean_loss)):
                stops = [(row, reason) for row, k in enumerate(alive)
                         if (reason := rules[k].check(float(mean_loss[row]))) is not None]
                if stops:
                    retire(np.array([row for row, _ in stops]), epoch, [reason for _, reason in stops])
        if len(alive):
            retire(np.arange(len(alive)), plan.epochs, [histories[k].stop_reason for k in alive])

    for k, history in enumerate(histories):
        history.loss = epoch_losses[:epochs_run[k], k].copy()
        if epoch_norms is not None:
            history.grad_norms = epoch_norms[:epochs_run[k], k].copy()
    return histories


def train_separately(specs: Sequence[MLPSpec], X, Y, plan: TrainPlan) -> list[History]:
    """The reference for ``train_batched``: ``handmade.train`` run once per spec."""
    from .model import MLP
    from .train import train

    return [train(MLP(spec), X, Y, plan) for spec in specs]


__all__ = ["BatchedMLP", "train_batched", "train_members", "train_separately"]
