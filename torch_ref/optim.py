"""``torch.optim`` for a handmade optimizer spec, and its state exchanged with the handmade optimizers.

State names and shapes are torch's (``momentum_buffer``; ``exp_avg``, ``exp_avg_sq``);
the handmade optimizers keep the same ones, so a snapshot of either side loads into the
other (re-synchronisation of two runs, ``compare.trajectory.resync``).
"""

from __future__ import annotations

import torch

from handmade.optim import OPTIMIZERS, resolve_optimizer

from .model import TorchMLP

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
