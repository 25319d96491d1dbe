"""The reference: the same network built from torch's own modules.

``TorchMLP`` is ``nn.Linear`` layers with ``nn.ReLU``/``nn.Sigmoid``/... between
them; its ``state_dict`` keys and shapes equal the handmade parameter dict
(``layers.{i}.weight`` (out, in), ``layers.{i}.bias`` (out,)), so one dict loads
into both with ``load_state_dict(strict=True)`` and no transposes.
Only the spec and the numbers come from ``handmade``; no handmade math is used.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from handmade.activations import Activation
from handmade.contract.spec import MLPSpec

from .losses import torch_loss

# name -> factory(**params) of the torch module with the same formula and defaults.
TORCH_ACTIVATIONS = {
    "identity": lambda: nn.Identity(),
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda negative_slope: nn.LeakyReLU(negative_slope),
    "sigmoid": lambda: nn.Sigmoid(),
    "tanh": lambda: nn.Tanh(),
    "elu": lambda alpha: nn.ELU(alpha),
    "softplus": lambda beta, threshold: nn.Softplus(beta, threshold),
    "gelu": lambda: nn.GELU(approximate="none"),
    "softmax": lambda: nn.Softmax(dim=-1),
}

TORCH_DTYPES = {"float64": torch.float64, "float32": torch.float32}


def torch_activation(spec: str) -> nn.Module:
    """The torch module for an activation spec such as ``"leaky_relu(negative_slope=0.2)"``."""
    act = Activation(spec)
    return TORCH_ACTIVATIONS[act.name](**act.params)


class TorchMLP(nn.Module):
    """``TorchMLP(spec, params)``: nn.Linear layers, spec activations, given weights.

    Shape: (N, sizes[0]) -> (N, sizes[-1]). ``forward(x, keep=True)`` also keeps
    every z_l and a_l with ``retain_grad()``, so after ``loss.backward()`` their
    ``.grad`` holds dL/dz_l and dL/da_l for layer-by-layer comparison.
    """

    def __init__(self, spec: MLPSpec, params: dict[str, np.ndarray] | None = None):
        super().__init__()
        self.spec = spec
        dtype = TORCH_DTYPES[spec.dtype]
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out, bias=spec.bias, dtype=dtype) for n_in, n_out in zip(spec.sizes[:-1], spec.sizes[1:])
        )
        self.activation = torch_activation(spec.activation)
        self.output_activation = torch_activation(spec.output_activation)
        self.kept: list[tuple[torch.Tensor, torch.Tensor]] = []
        self.load_numpy(spec.init_params() if params is None else params)

    def forward(self, x: torch.Tensor, keep: bool = False) -> torch.Tensor:
        return self.logits_and_output(x, keep)[1]

    def logits_and_output(self, x: torch.Tensor, keep: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(z_{L-1}, s): the last layer's pre-activation (what a loss with a link takes) and the output."""
        self.kept = []
        last = len(self.layers) - 1
        for l, layer in enumerate(self.layers):
            z = layer(x)
            x = (self.output_activation if l == last else self.activation)(z)
            if keep:
                z.retain_grad()
                if x is z:  # nn.Identity returns its input: give a_l its own node
                    x = z.view_as(z)
                if x.requires_grad:  # the output off the loss's path (a linked loss takes z) gets no gradient
                    x.retain_grad()
                self.kept.append((z, x))
        return z, x

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The spec's loss of the network on ``x`` against ``y`` (from the logits for ce/bce)."""
        z, s = self.logits_and_output(x)
        return torch_loss(self.spec.loss, s, y, logits=z)

    def load_numpy(self, params: dict[str, np.ndarray]) -> None:
        """Load a handmade parameter dict: strict, no transposes, cast to the spec dtype."""
        dtype = TORCH_DTYPES[self.spec.dtype]
        state = {k: torch.as_tensor(np.asarray(v)).to(dtype).clone() for k, v in params.items()}
        self.load_state_dict(state, strict=True)

    def numpy_params(self) -> dict[str, np.ndarray]:
        """Export the parameters back as a handmade dict (copies)."""
        return {k: v.detach().cpu().numpy().copy() for k, v in self.state_dict().items()}

    def tensor(self, array: np.ndarray) -> torch.Tensor:
        """A numpy array as a tensor of this model's dtype."""
        return torch.as_tensor(np.asarray(array)).to(TORCH_DTYPES[self.spec.dtype])
