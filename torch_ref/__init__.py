"""torch_ref: the torch.nn reference network and training loop (uses torch's own pieces)."""

from .model import TORCH_ACTIVATIONS, TorchMLP, torch_activation, torch_loss
from .train import make_torch_optimizer, train_torch

__all__ = ["TORCH_ACTIVATIONS", "TorchMLP", "make_torch_optimizer", "torch_activation", "torch_loss",
           "train_torch"]
