"""torch_ref: the torch.nn reference network and training loop (uses torch's own pieces).

``model`` (``TorchMLP`` from ``nn.Linear`` and torch's activation modules), ``losses``
(``nn.functional.mse_loss``), ``optim`` (``torch.optim`` and its state), ``train`` (the
epoch loop), ``batched`` (K networks at once). From ``handmade`` it takes only the shared
contract (spec, keys, plan) and the registries' names - never its arithmetic.
"""

from .losses import torch_loss
from .model import TORCH_ACTIVATIONS, TorchMLP, torch_activation
from .optim import make_torch_optimizer
from .train import train_torch

__all__ = ["TORCH_ACTIVATIONS", "TorchMLP", "make_torch_optimizer", "torch_activation", "torch_loss",
           "train_torch"]
