"""K torch networks of one shape trained at once: stacked parameters, ``torch.baddbmm``, torch.optim.

The torch twin of ``handmade.fast.batched``. Member k's weights are slice k of one
leaf tensor per layer, W_l (K, out, in) and b_l (K, out):

    z_l = baddbmm(b_l[:, None], a_{l-1}, W_l^T)      (K, N, out), a_{-1} = X expanded (no copy)
    a_l = f_l(z_l)                                   torch's own activation modules
    L   = sum_k L_k(s_k, y)                          L_k: the member's own loss (mean / sum)

Because the members only meet in that final sum, autograd gives each slice of
dL/dW_l exactly dL_k/dW_l^(k) - the gradient of a separate run - and
``torch.optim`` (SGD, Adam: element-wise rules) updates each slice as a separate
run would. The bookkeeping of the loop (batches, stopping, divergence, members
that stop) is ``handmade.contract.runs.run_members``, shared with the NumPy
version; every number in it comes from torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from handmade.contract.keys import layer_grad_norms, layer_keys
from handmade.contract.plan import TrainPlan
from handmade.contract.runs import History, run_members
from handmade.contract.spec import MLPSpec, check_data, members

from .losses import torch_loss
from .model import TORCH_DTYPES, torch_activation
from .optim import make_torch_optimizer


class BatchedTorchMLP(nn.Module):
    """K torch networks: ``BatchedTorchMLP([MLPSpec(seed=k) for k in range(100)])``.

    Built from the same numbers as ``handmade.fast.batched.BatchedMLP`` (the specs'
    initial parameters, or ``params_list``). Shape: (N, n_0) -> (K, N, n_L).
    """

    def __init__(self, specs: Sequence[MLPSpec] | MLPSpec, params_list: Sequence[dict] | None = None):
        super().__init__()
        self.spec, member_params = members([specs] if isinstance(specs, MLPSpec) else specs, params_list)
        self.dtype = TORCH_DTYPES[self.spec.dtype]

        def stack(key: str) -> nn.Parameter:
            return nn.Parameter(torch.stack([torch.as_tensor(p[key]) for p in member_params]).to(self.dtype))

        keys = layer_keys(self.spec.n_layers)
        self.weights = nn.ParameterList(stack(w_key) for w_key, _ in keys)
        self.biases = nn.ParameterList(stack(b_key) for _, b_key in keys)
        self.activation = torch_activation(self.spec.activation)
        self.output_activation = torch_activation(self.spec.output_activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits_and_output(x)[1]

    def logits_and_output(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z_{L-1}, s), each (K, N, n_L): the members' last pre-activations and outputs."""
        a = x.expand(len(self.weights[0]), *x.shape)
        last = len(self.weights) - 1
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = torch.baddbmm(b.unsqueeze(1), a, w.transpose(1, 2))
            a = (self.output_activation if l == last else self.activation)(z)
        return z, a

    def member_losses(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Each member's loss (K,) on ``x``: ``torch_ref.losses`` reduce the last two axes, one network's block."""
        z, s = self.logits_and_output(x)
        return torch_loss(self.spec.loss, s, y, logits=z)

    def named_stacks(self) -> dict[str, nn.Parameter]:
        """The stacked parameters under one network's keys (``layers.{l}.weight`` ...)."""
        out = {}
        for (w_key, b_key), w, b in zip(layer_keys(self.spec.n_layers), self.weights, self.biases):
            out[w_key], out[b_key] = w, b
        return out


class _TorchEngine:
    """The engine ``run_members`` drives (see ``handmade.fast.batched._HandmadeEngine``)."""

    def __init__(self, model: BatchedTorchMLP, plan: TrainPlan):
        self.model, self.plan = model, plan
        self.optimizer = make_torch_optimizer(plan.optimizer, model, plan.lr)
        self._batch = None
        self._loss = None

    def losses(self, xb: torch.Tensor, yb: torch.Tensor) -> np.ndarray:
        self._batch = (xb, yb)
        self.optimizer.zero_grad(set_to_none=True)
        losses = self.model.member_losses(xb, yb)
        self._loss = losses.sum()
        return losses.detach().cpu().numpy().astype(np.float64)

    def drop(self, keep: np.ndarray) -> None:
        """New, smaller leaf tensors; the optimizer is rebuilt with its state sliced alike."""
        index = torch.as_tensor(np.flatnonzero(keep))
        old = list(self.model.parameters())
        for plist in (self.model.weights, self.model.biases):
            for i, p in enumerate(plist):
                plist[i] = nn.Parameter(p.detach()[index].clone())
        optimizer = make_torch_optimizer(self.plan.optimizer, self.model, self.plan.lr)
        for p_old, p_new in zip(old, self.model.parameters()):
            state = self.optimizer.state.get(p_old)
            if state:
                optimizer.state[p_new] = {k: (v[index].clone() if isinstance(v, torch.Tensor) and v.dim() > 0 else v)
                                          for k, v in state.items()}
        self.optimizer = optimizer
        if len(index):  # the pending batch's graph held the dropped members: redo its forward
            xb, yb = self._batch
            self.losses(xb, yb)

    def update(self, norms: bool):
        self._loss.backward()
        out = None
        if norms:
            grads = {key: p.grad.detach().numpy() for key, p in self.model.named_stacks().items()}
            out = layer_grad_norms(grads, self.model.spec.n_layers)
        self.optimizer.step()
        return out

    def member_params(self, row: int) -> dict[str, np.ndarray]:
        return {key: p.detach()[row].numpy().copy() for key, p in self.model.named_stacks().items()}

    def member_state(self, row: int) -> dict:
        t, state = 0, {}
        for key, p in self.model.named_stacks().items():
            buffers = {}
            for name, value in self.optimizer.state.get(p, {}).items():
                if name == "step":
                    t = int(float(value))
                elif isinstance(value, torch.Tensor):
                    buffers[name] = value[row].numpy().copy()
            state[key] = buffers
        return {"t": t, "state": state}


def train_torch_batched(model: BatchedTorchMLP | Sequence[MLPSpec], X, Y, plan: TrainPlan) -> list[History]:
    """Train K torch networks at once; one History per member, equal to ``train_torch`` run K times."""
    if not isinstance(model, BatchedTorchMLP):
        model = BatchedTorchMLP(model)
    X, Y = check_data(X, Y, model.spec.sizes, model.spec.dtype)
    Xt = torch.as_tensor(X).to(model.dtype)
    Yt = torch.as_tensor(Y).to(model.dtype)
    engine = _TorchEngine(model, plan)
    return run_members(engine, len(model.weights[0]), model.spec.n_layers, Xt, Yt, plan)
