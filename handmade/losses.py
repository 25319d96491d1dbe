"""Losses between the network's output scores ``s`` and the targets ``y``, and their gradients.

Shapes: ``s`` (..., N, C) - the N rows of a network's output, with leading axes for
networks trained side by side - and ``y`` (N, C), the targets. A loss reduces each
network's (N, C) block to one number, (..., N, C) -> (...); its gradient has the shape
of ``s``. Each loss is a value function and its gradient with respect to ``s``:

========  ============================  =====================  ==========================
name      L(s, y)                       dL/ds                  torch equivalent
========  ============================  =====================  ==========================
mse       mean((s - y)^2) over N*C      2 (s - y) / (N*C)      MSELoss() (the default)
sse       sum((s - y)^2)                2 (s - y)              MSELoss(reduction="sum")
half_sse  1/2 sum((s - y)^2)            s - y                  0.5 * MSELoss(reduction="sum")
========  ============================  =====================  ==========================

``mse`` is torch's convention and the default; the textbook half-sum and the
plain sum are named options, never a silent change of scale (a factor of 2 or
N*C between two implementations is the commonest parity "bug").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .contract.errors import unknown_name


def sum_of_squares(r):
    """sum(r^2) over each network's (N, C) block: (..., N, C) -> (...)."""
    if r.ndim == 2:
        return np.vdot(r, r)  # one network: a dot product of the flattened residuals
    return np.einsum("...nc,...nc->...", r, r)


def outputs(s) -> int:
    """N*C: the number of outputs of one network."""
    return s.shape[-2] * s.shape[-1]


def mse(s, y):
    return sum_of_squares(s - y) / outputs(s)


def mse_grad(s, y):
    return (s - y) * s.dtype.type(2.0 / outputs(s))


def sse(s, y):
    return sum_of_squares(s - y)


def sse_grad(s, y):
    return (s - y) * s.dtype.type(2)


def half_sse(s, y):
    return 0.5 * sum_of_squares(s - y)


def half_sse_grad(s, y):
    return s - y


@dataclass(frozen=True)
class LossEntry:
    f: callable
    df: callable
    description: str
    # Every output entry counts alike (no mixing across the C outputs of a row): the value and the
    # gradient are unchanged when the (N, C) blocks are handed over transposed, as (C, N).
    elementwise: bool = True
    # How the loss gathers its samples: "mean" over the N rows or their "sum" (what per-sample
    # gradients of someone's code are combined with, one sample at a time).
    samples: str = "mean"


LOSSES: dict[str, LossEntry] = {
    "mse": LossEntry(mse, mse_grad, "mean squared error, torch's default reduction"),
    "sse": LossEntry(sse, sse_grad, "sum of squared errors", samples="sum"),
    "half_sse": LossEntry(half_sse, half_sse_grad, "half the sum of squared errors (textbook)", samples="sum"),
}

# Other spellings people use for the same conventions (``--loss mean`` in the check, a course's "half-sum").
ALIASES = {"mean": "mse", "sum": "sse", "half-sse": "half_sse", "half-sum": "half_sse", "half_sum": "half_sse",
           "halfsum": "half_sse"}


def canonical_loss(name: str) -> str:
    """The registry name of a loss, also from an alias (``mean`` -> mse, ``half-sum`` -> half_sse)."""
    key = str(name).strip().lower()
    key = ALIASES.get(key, key)
    if key not in LOSSES:
        raise unknown_name("loss", name, LOSSES)
    return key


def get_loss(name: str) -> LossEntry:
    """Look a loss up by name or alias; an unknown name lists the valid ones."""
    return LOSSES[canonical_loss(name)]


def loss_value(name: str, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The loss as an array of ``s``'s dtype: 0-d for one network, (...) for stacked ones."""
    return np.asarray(get_loss(name).f(s, y), dtype=s.dtype)


def loss_grad(name: str, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/ds, the shape and dtype of ``s``."""
    return get_loss(name).df(s, y)
