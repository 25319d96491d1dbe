"""The torch training loop: the same plan and batches as ``handmade.train``, with ``torch.optim``."""

from __future__ import annotations

import math

import numpy as np
import torch

from handmade.contract.keys import layer_grad_norms
from handmade.contract.plan import TrainPlan
from handmade.contract.runs import EpochResult, History, run_epochs
from handmade.contract.spec import check_data

from .model import TorchMLP
from .optim import make_torch_optimizer, optimizer_state_numpy


def _grads(model: TorchMLP) -> dict[str, np.ndarray]:
    """The gradients of the last backward, as numpy copies under the handmade keys."""
    return {name: p.grad.detach().numpy().copy() for name, p in model.named_parameters()}


def run_epoch_torch(model: TorchMLP, optimizer: torch.optim.Optimizer, Xt: torch.Tensor, Yt: torch.Tensor,
                    batches, grad_norms: bool = False, keep_grads: bool = False) -> EpochResult:
    """One epoch in torch: zero_grad, forward, loss, backward, ``optimizer.step()`` per batch.

    Mirrors ``handmade.train.run_epoch``: mean batch loss, no step after a
    non-finite loss, and with ``keep_grads=True`` the last batch's gradients
    (numpy copies; a whole training run does not need them, so it skips the copies).
    """
    epoch_loss, norms, grads = 0.0, np.zeros(len(model.layers)), None
    for rows in batches:
        if len(batches) == 1:  # every row in one batch: X as given, like handmade.train
            xb, yb = Xt, Yt
        else:
            index = torch.as_tensor(rows)
            xb, yb = Xt[index], Yt[index]
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(xb, yb)
        batch_loss = loss.item()
        epoch_loss += batch_loss
        if not math.isfinite(batch_loss):
            break
        loss.backward()
        if grad_norms:
            norms += layer_grad_norms(_grads(model), len(model.layers))
        optimizer.step()
    else:
        if keep_grads:
            grads = _grads(model)
    return EpochResult(epoch_loss / len(batches), grads, norms / len(batches))


def train_torch(model: TorchMLP, X, Y, plan: TrainPlan) -> History:
    """Train ``model`` in place on (X, Y) with ``torch.optim``, following ``plan``."""
    X, Y = check_data(X, Y, model.spec.sizes, model.spec.dtype)
    Xt, Yt = model.tensor(X), model.tensor(Y)
    optimizer = make_torch_optimizer(plan.optimizer, model, plan.lr)
    history = run_epochs(
        plan, len(X),
        lambda batches: run_epoch_torch(model, optimizer, Xt, Yt, batches, plan.record_grad_norms),
        lambda: (model.numpy_params(), optimizer_state_numpy(optimizer, model)),
    )
    history.final_params = model.numpy_params()
    return history


def train_torch_each(specs, X, Y, plan: TrainPlan) -> list[History]:
    """``train_torch`` once per spec, each network from its spec's initial parameters."""
    return [train_torch(TorchMLP(spec), X, Y, plan) for spec in specs]
