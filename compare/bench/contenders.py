"""The contenders: one training step of each implementation, and the matmul they are measured against.

handmade: ``handmade.fast.step.FusedStep`` (the fast fused step; inputs checked once, outside the
timer, as torch does not check them either) and, for information, the readable
forward/loss/backward/step; torch: ``nn.Module`` + autograd + ``torch.optim.SGD``;
scikit-learn: ``MLPRegressor.partial_fit`` (solver sgd, momentum 0, alpha 0, full
batch, constant rate: one step per call). ``LIBRARY`` says which library each runs
on: a settle pause separates blocks of different ones (``compare.measure.timing``).
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import torch

from compare.bench.sizes import LR
from handmade.fast.step import FusedStep
from handmade.model import MLP
from handmade.optim import make_optimizer
from torch_ref.model import TorchMLP


def handmade_step(spec, X, Y):
    net = MLP(spec)
    optimizer = make_optimizer("sgd", net.params, LR)
    return functools.partial(FusedStep(net, optimizer).run, X, Y)


def handmade_api_step(spec, X, Y):
    """The readable path, for information: forward, loss, backward (all intermediates), step."""
    net = MLP(spec)
    optimizer = make_optimizer("sgd", net.params, LR)

    def step():
        net.forward(X)
        net.loss(Y)
        optimizer.step(net.backward(Y).params)
    return step


def torch_step(spec, X, Y):
    model = TorchMLP(spec)
    x, y = model.tensor(X), model.tensor(Y)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(x, y)
        loss.item()
        loss.backward()
        optimizer.step()
    return step


def sklearn_regressor(spec, n_rows: int):
    from sklearn.neural_network import MLPRegressor  # optional (the [bench] extra): checked by sklearn_available


    return MLPRegressor(hidden_layer_sizes=spec.sizes[1:-1], activation="relu", solver="sgd", momentum=0.0,
                        nesterovs_momentum=False, alpha=0.0, batch_size=n_rows, learning_rate="constant",
                        learning_rate_init=LR, shuffle=False, random_state=0)


def sklearn_step(spec, X, Y):
    reg = sklearn_regressor(spec, len(X))
    reg.partial_fit(X, Y)  # the first call initialises the weights

    def step():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter
            reg.partial_fit(X, Y)
    return step


def sklearn_available() -> bool:
    try:
        import sklearn  # noqa: F401  (optional: the [bench] extra)
    except ImportError:
        return False
    return True


MATMULS = ("matmul_numpy", "matmul_torch")


def matmul_steps(sizes, n_rows: int, dtype: str) -> dict:
    """The reference: the first layer's product X @ W^T, (N, n_0) x (n_0, n_1), in NumPy and torch.

    W is stored (n_1, n_0) and used through its transpose, as both networks do,
    so the reference and the step run the same BLAS kernel on the same shapes.
    """
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_rows, sizes[0])).astype(dtype)
    W = rng.normal(size=(sizes[1], sizes[0])).astype(dtype)
    tX, tW = torch.from_numpy(X), torch.from_numpy(W)
    return {"matmul_numpy": lambda: X @ W.T, "matmul_torch": lambda: tX @ tW.T}


# The library each timed step runs on: a settle pause separates blocks of different ones.
LIBRARY = {"handmade": "numpy", "handmade_api": "numpy", "matmul_numpy": "numpy", "sklearn": "numpy",
           "torch": "torch", "matmul_torch": "torch"}


