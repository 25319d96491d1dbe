"""handmade: a multilayer perceptron written by hand in NumPy, to be read by a student.

Imports numpy (and scipy.special.erf for the exact GELU), never torch.
"""

from .activations import ACTIVATIONS, Activation
from .data import letters, noisy_letters, xor
from .errors import InvalidInput
from .init import INITIALISERS, Initialiser, init_params
from .losses import LOSSES, get_loss
from .model import MLP, Gradients
from .optim import OPTIMIZERS, make_optimizer
from .spec import MLPSpec, check_data
from .train import History, TrainPlan, train

__all__ = [
    "ACTIVATIONS", "INITIALISERS", "LOSSES", "OPTIMIZERS", "Activation", "Gradients", "History",
    "Initialiser", "InvalidInput", "MLP", "MLPSpec", "TrainPlan", "check_data", "get_loss",
    "init_params", "letters", "make_optimizer", "noisy_letters", "train", "xor",
]
