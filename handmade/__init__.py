"""handmade: a multilayer perceptron written by hand in NumPy, to be read by a student.

The lesson's formulas: ``activations``, ``losses``, ``init``, ``model`` (forward and
backward side by side), ``optim``, ``train``, ``data``. ``contract/`` holds the rules
shared with the torch reference (spec, keys, training plan; no maths), ``fast/`` the
speed paths, tested equal to the readable core. Imports NumPy (and scipy's erf, only
for GELU), never torch.
"""

from .activations import ACTIVATIONS, Activation
from .contract.errors import InvalidInput
from .contract.plan import TrainPlan
from .contract.runs import History
from .contract.spec import MLPSpec, check_data
from .data import letters, noisy_letters, xor
from .init import INITIALISERS, Initialiser, init_params
from .losses import LOSSES, get_loss
from .model import MLP, Gradients
from .optim import OPTIMIZERS, make_optimizer
from .train import train

__all__ = [
    "ACTIVATIONS", "INITIALISERS", "LOSSES", "OPTIMIZERS", "Activation", "Gradients", "History",
    "Initialiser", "InvalidInput", "MLP", "MLPSpec", "TrainPlan", "check_data", "get_loss",
    "init_params", "letters", "make_optimizer", "noisy_letters", "train", "xor",
]
