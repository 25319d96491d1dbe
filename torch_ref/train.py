"""The torch training loop: the same plan and batches as ``handmade.train``, with torch.optim."""

from __future__ import annotations

import math

import numpy as np
import torch

from handmade.optim import OPTIMIZERS, resolve_optimizer
from handmade.spec import check_data
from handmade.train import EpochResult, History, TrainPlan, run_epochs

from .model import TorchMLP, torch_loss

# handmade hyper-parameter names -> torch.optim keyword arguments.
_SGD_KEYS = {"momentum": "momentum", "dampening": "dampening", "nesterov": "nesterov",
             "weight_decay": "weight_decay"}
_ADAM_KEYS = {"eps": "eps", "weight_decay": "weight_decay"}


def make_torch_optimizer(spec: str, model: TorchMLP, lr: float) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimizer for a handmade optimizer spec (``"adam(beta1=0.8)"``).

    Parameters are passed as named groups in ``state_dict`` order, so optimizer
    state can be mapped to the handmade parameter names.
    """
    name, hyper = resolve_optimizer(spec)
    torch_name = OPTIMIZERS[name].torch_name
    params = list(model.parameters())
    if torch_name == "SGD":
        kwargs = {_SGD_KEYS[k]: v for k, v in hyper.items()}
        return torch.optim.SGD(params, lr=lr, **kwargs)
    kwargs = {_ADAM_KEYS[k]: v for k, v in hyper.items() if k in _ADAM_KEYS}
    kwargs["betas"] = (hyper["beta1"], hyper["beta2"])
    return getattr(torch.optim, torch_name)(params, lr=lr, **kwargs)


def optimizer_state_numpy(optimizer: torch.optim.Optimizer, model: TorchMLP) -> dict:
    """torch optimizer state as ``{"t": step, "state": {param_name: {buffer: array}}}``."""
    names = {id(p): name for name, p in model.named_parameters()}
    state, t = {}, 0
    for group in optimizer.param_groups:
        for p in group["params"]:
            inner = optimizer.state.get(p, {})
            buffers = {}
            for key, value in inner.items():
                if key == "step":
                    t = int(float(value))
                elif isinstance(value, torch.Tensor):
                    buffers[key] = value.detach().cpu().numpy().copy()
            state[names[id(p)]] = buffers
    return {"t": t, "state": state}


def load_optimizer_state(optimizer: torch.optim.Optimizer, model: TorchMLP, snapshot: dict) -> None:
    """Load a ``{"t", "state"}`` snapshot (handmade names) into a torch optimizer.

    Replaces the whole state: a parameter without buffers in the snapshot (SGD
    before its first momentum step) gets none, as in a fresh optimizer.
    """
    params = dict(model.named_parameters())
    optimizer.state.clear()
    # Adam keeps its step count per parameter as a scalar tensor: float32 unless the default dtype is float64.
    step_dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
    for name, buffers in snapshot["state"].items():
        if not buffers:
            continue
        inner = {key: model.tensor(arr).clone() for key, arr in buffers.items()}
        if "exp_avg" in buffers:
            inner["step"] = torch.tensor(float(snapshot["t"]), dtype=step_dtype)
        optimizer.state[params[name]] = inner


def _layer_norms(model: TorchMLP) -> np.ndarray:
    return np.array([
        math.sqrt(float(layer.weight.grad.pow(2).sum()) + float(layer.bias.grad.pow(2).sum()))
        for layer in model.layers
    ])


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
        loss = torch_loss(model.spec.loss, model(xb), yb)
        batch_loss = loss.item()
        epoch_loss += batch_loss
        if not math.isfinite(batch_loss):
            break
        loss.backward()
        if grad_norms:
            norms += _layer_norms(model)
        optimizer.step()
    else:
        if keep_grads:
            grads = {name: p.grad.detach().numpy().copy() for name, p in model.named_parameters()}
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
