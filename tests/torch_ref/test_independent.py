"""The reference runs none of handmade's arithmetic: with every handmade formula poisoned, it still trains.

``torch_ref`` imports the shared contract and the registries' names from ``handmade``
(tests/test_architecture.py); this proves, by running it, that none of the formulas
under test - activations, losses, the model, the optimizers, the fast paths, the
training loop - is called when the reference computes.
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

import handmade.fast.batched
import handmade.fast.step
import handmade.model
import handmade.optim
from handmade import TrainPlan, letters
from handmade.activations import ACTIVATIONS
from handmade.contract.spec import MLPSpec
from handmade.losses import LOSSES
from torch_ref.batched import BatchedTorchMLP, train_torch_batched
from torch_ref.model import TorchMLP
from torch_ref.train import train_torch

TRAIN_MODULE = importlib.import_module("handmade.train")  # the attribute handmade.train is the function


def boom(*args, **kwargs):
    raise AssertionError("the torch reference ran handmade arithmetic")


@pytest.fixture
def poisoned(monkeypatch):
    for name, entry in ACTIVATIONS.items():
        monkeypatch.setitem(ACTIVATIONS, name, dataclasses.replace(entry, f=boom, df=boom))
    for name, entry in LOSSES.items():
        monkeypatch.setitem(LOSSES, name, dataclasses.replace(entry, f=boom, df=boom))
    for owner, attr in [(handmade.model.MLP, "forward"), (handmade.model.MLP, "backward"),
                        (handmade.optim.Optimizer, "step"), (handmade.optim.SGD, "_update"),
                        (handmade.optim.Adam, "_update"), (handmade.fast.step.FusedStep, "run"),
                        (handmade.fast.step, "update"), (handmade.fast.batched, "train_batched"),
                        (TRAIN_MODULE, "train"), (TRAIN_MODULE, "run_epoch")]:
        monkeypatch.setattr(owner, attr, boom)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("activation, loss", [("relu", "mse"), ("tanh", "sse"), ("gelu", "half_sse")])
def test_the_reference_trains_with_every_handmade_formula_poisoned(request, optimizer, activation, loss):
    X, Y = letters()
    specs = [MLPSpec(sizes=(30, 8, 3), activation=activation, loss=loss, seed=s) for s in range(2)]
    params = [spec.init_params() for spec in specs]  # the shared numbers, drawn before the poison
    plan = TrainPlan(optimizer=optimizer, lr=0.05, epochs=15, batch_size=2)
    clean = [train_torch(TorchMLP(spec, p), X, Y, plan) for spec, p in zip(specs, params)]
    request.getfixturevalue("poisoned")
    alone = [train_torch(TorchMLP(spec, p), X, Y, plan) for spec, p in zip(specs, params)]
    together = train_torch_batched(BatchedTorchMLP(specs, params), X, Y, plan)
    for a, b, c in zip(clean, alone, together):
        assert np.array_equal(a.loss, b.loss)  # the poison changed nothing the reference computes
        assert len(c.loss) == len(a.loss) and np.all(np.isfinite(c.loss))


def test_the_poison_is_real(poisoned):
    """The fixture does poison the handmade side: the same plan there fails at once."""
    X, Y = letters()
    with pytest.raises(AssertionError, match="handmade arithmetic"):
        handmade.model.MLP(MLPSpec()).forward(X)
