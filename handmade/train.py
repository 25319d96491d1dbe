"""The NumPy training loop: one epoch of forward, loss, backward and optimizer steps, and a whole run.

The plan (optimizer, learning rate, epochs, batch order, stopping rule) is
``handmade.contract.plan.TrainPlan``, shared with ``torch_ref.train_torch``;
both sides return a ``History`` (``handmade.contract.runs``).
"""

from __future__ import annotations

import math

import numpy as np

from .contract.keys import layer_grad_norms
from .contract.plan import TrainPlan
from .contract.runs import EpochResult, History, run_epochs
from .contract.spec import check_data
from .fast.step import FusedStep
from .model import MLP
from .optim import make_optimizer


def run_epoch(model: MLP, optimizer, X: np.ndarray, Y: np.ndarray, batches, grad_norms: bool = False,
              keep_grads: bool = False) -> EpochResult:
    """Forward, loss, backward and one optimizer step per batch (row-index arrays).

    Stops at the first non-finite batch loss without stepping, so a diverged
    run never feeds NaN into the parameters. ``keep_grads``: return the last
    batch's gradients; ``grad_norms``: record ||(dW_l, db_l)|| per layer (mean
    over batches).
    """
    epoch_loss, norms, grads = 0.0, np.zeros(model.spec.n_layers), None
    for rows in batches:
        # One batch holding every row takes X as given (a permutation would change the rounding of the sums).
        xb, yb = (X, Y) if len(batches) == 1 else (X[rows], Y[rows])
        model.forward(xb)
        batch_loss = model.loss(yb)
        epoch_loss += batch_loss
        if not math.isfinite(batch_loss):
            return EpochResult(epoch_loss / len(batches), None, norms / len(batches))
        grads = model.backward(yb).params
        if grad_norms:
            norms += layer_grad_norms(grads, model.spec.n_layers)
        optimizer.step(grads)
    return EpochResult(epoch_loss / len(batches), grads if keep_grads else None, norms / len(batches))


def train(model: MLP, X, Y, plan: TrainPlan) -> History:
    """Train ``model`` in place on (X, Y) following ``plan``; return its History.

    When nobody asks for the gradient norms, each epoch runs on ``handmade.fast``'s
    fused step: the same numbers (tested bit for bit) with fewer copies. A
    non-finite loss ends the run as diverged; floating-point warnings are silenced
    inside the loop because that check reports them, once, as data.
    """
    X, Y = check_data(X, Y, model.spec.sizes, model.dtype)
    optimizer = make_optimizer(plan.optimizer, model.params, plan.lr)
    if plan.record_grad_norms:
        def one_epoch(batches):
            return run_epoch(model, optimizer, X, Y, batches, grad_norms=True)
    else:
        one_epoch = FusedStep(model, optimizer).epoch_runner(X, Y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        history = run_epochs(
            plan, len(X), one_epoch,
            lambda: ({k: v.copy() for k, v in model.params.items()}, optimizer.snapshot()),
        )
    history.final_params = model.params
    return history


def train_each(specs, X, Y, plan: TrainPlan) -> list[History]:
    """``train`` once per spec, each network from its spec's initial parameters (the reference for batched runs)."""
    return [train(MLP(spec), X, Y, plan) for spec in specs]
