"""Losses between the network's output and the targets ``y``, and their gradients.

Shapes: the network's (..., N, C) block - its N rows, with leading axes for networks
trained side by side - and ``y`` (N, C), the targets (one-hot rows for a classifier;
``one_hot`` turns integer labels into them). A loss reduces each network's (N, C) block
to one number, (..., N, C) -> (...); its gradient has the shape of the block.

Regression losses are functions of the output ``s`` (after the output activation):

==========  ============================  =====================  ==============================
name        L(s, y)                       dL/ds                  torch equivalent
==========  ============================  =====================  ==============================
mse         mean((s - y)^2) over N*C      2 (s - y) / (N*C)      MSELoss() (the default)
sse         sum((s - y)^2)                2 (s - y)              MSELoss(reduction="sum")
half_sse    1/2 sum((s - y)^2)            s - y                  0.5 * MSELoss(reduction="sum")
half_sse_n  1/(2N) sum((s - y)^2)         (s - y) / N            0.5 * C * MSELoss()
==========  ============================  =====================  ==============================

Classification losses include their *link*, the output activation that turns the last
layer's pre-activation ``z`` (the logits) into probabilities p - softmax for ``ce``, sigmoid
for ``bce`` - and are functions of ``z``, as torch's ``CrossEntropyLoss`` and
``BCEWithLogitsLoss`` are:

=======  ===========================================  ===================  ===========================
name     L(z, y), p = link(z)                         dL/dz                torch equivalent
=======  ===========================================  ===================  ===========================
ce       -1/N sum y log p,  p = softmax(z) per row    (p sum_c y - y) / N  CrossEntropyLoss()
ce_sum   -sum y log p                                 p sum_c y - y        CrossEntropyLoss("sum")
bce      -mean(y log p + (1-y) log(1-p)),  sigmoid    (p - y) / (N*C)      BCEWithLogitsLoss()
bce_sum  -sum(y log p + (1-y) log(1-p))               p - y                BCEWithLogitsLoss("sum")
bce_n    -1/N sum(y log p + (1-y) log(1-p))            (p - y) / N          BCEWithLogitsLoss("sum") / N
=======  ===========================================  ===================  ===========================

(For one-hot rows sum_c y = 1 and dL/dz = (p - y)/N: the classic "output delta a - y",
right for these pairs and wrong for a squared error.) A network trained with a linked
loss has the link as its output activation (its forward returns p) or identity (it
returns the logits); either way the loss, and every gradient, is the same function of z,
computed without ever forming log p (stable where p underflows).

``mse`` is torch's convention and the default; the textbook half-sum and the
plain sum are named options, never a silent change of scale (a factor of 2 or
N*C between two implementations is the commonest parity "bug").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import sigmoid
from .contract.errors import InvalidInput, unknown_name


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


def half_sse_n(s, y):
    return 0.5 * sum_of_squares(s - y) / s.shape[-2]


def half_sse_n_grad(s, y):
    return (s - y) * s.dtype.type(1.0 / s.shape[-2])


def log_softmax(z):
    """log softmax(z) along each row (the last axis), shifted by the row's maximum so exp never overflows."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax(z):
    return np.exp(log_softmax(z))


def ce_sum(z, y):
    return -(y * log_softmax(z)).sum(axis=(-2, -1))


def ce_sum_grad(z, y):
    return softmax(z) * y.sum(axis=-1, keepdims=True) - y


def ce(z, y):
    return ce_sum(z, y) / z.shape[-2]


def ce_grad(z, y):
    return ce_sum_grad(z, y) * z.dtype.type(1.0 / z.shape[-2])


def bce_sum(z, y):
    # -(y log p + (1-y) log(1-p)) with p = sigmoid(z) is max(z, 0) - z y + log(1 + exp(-|z|)): no overflow.
    return (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum(axis=(-2, -1))


def bce_sum_grad(z, y):
    return sigmoid(z) - y


def bce_n(z, y):
    return bce_sum(z, y) / z.shape[-2]


def bce_n_grad(z, y):
    return bce_sum_grad(z, y) * z.dtype.type(1.0 / z.shape[-2])


def bce(z, y):
    return bce_sum(z, y) / outputs(z)


def bce_grad(z, y):
    return bce_sum_grad(z, y) * z.dtype.type(1.0 / outputs(z))


def _log_probabilities(link: str, p, y):
    """The log-likelihood terms of probabilities p: y log p (softmax) or y log p + (1-y) log(1-p) (sigmoid)."""
    if link == "softmax":
        return y * np.log(p)
    return y * np.log(p) + (1 - y) * np.log1p(-p)


def loss_of_output(name: str, output_activation: str, s, y):
    """The loss from the network's *output* - what a class reports - rather than from its logits.

    Equal to ``loss_value`` of the logits: for a linked loss whose output is its link (the
    probabilities p), -sum y log p (ce) or -sum(y log p + (1-y) log(1-p)) (bce), reduced as the
    loss reduces; otherwise the loss of ``s`` itself. (Infinite where a p the target needs is 0.)
    """
    entry = get_loss(name)
    if entry.link is None or output_activation.split("(")[0] != entry.link:
        return entry.f(s, y)
    total = -_log_probabilities(entry.link, s, y).sum(axis=(-2, -1))
    return total / _reduction(name, s) if entry.samples == "mean" else total


def grad_of_output(name: str, output_activation: str, s, y):
    """dL/ds for the network's output ``s`` (what a ``backward(grad_out)`` method takes): for a linked loss
    whose output is the probabilities, -y/p (ce) or (p - y)/(p (1 - p)) (bce), scaled as the loss reduces."""
    entry = get_loss(name)
    if entry.link is None or output_activation.split("(")[0] != entry.link:
        return entry.df(s, y)
    grad = -y / s if entry.link == "softmax" else (s - y) / (s * (1 - s))
    return grad * s.dtype.type(1.0 / _reduction(name, s)) if entry.samples == "mean" else grad


def _reduction(name: str, s) -> int:
    """What a mean-reduced loss divides by: N rows (ce, bce_n) or N*C entries (bce)."""
    return s.shape[-2] if get_loss(name).mean_over == "rows" else outputs(s)


def one_hot(labels, n_classes: int, dtype="float64") -> np.ndarray:
    """Integer class labels (N,) -> one-hot rows (N, n_classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu" or (labels.size and (labels.min() < 0
                                                                              or labels.max() >= n_classes)):
        raise InvalidInput(f"class labels must be integers 0..{n_classes - 1} in one row, got shape "
                           f"{labels.shape} and dtype {labels.dtype}")
    return np.eye(n_classes, dtype=dtype)[labels]


@dataclass(frozen=True)
class LossEntry:
    f: callable
    df: callable
    description: str
    # Every output entry counts alike (no mixing across the C outputs of a row): the value and the
    # gradient are unchanged when the (N, C) blocks are handed over transposed, as (C, N).
    elementwise: bool = True
    # What the loss averages over: the N*C "entries", the N "rows", or nothing (None: a sum).
    mean_over: str | None = "entries"
    # The factor in front of the plain output delta (s - y, or p - y) before that averaging:
    # 2 for a squared error, 1 for half of one and for the cross-entropies.
    delta: float = 1.0
    # The output activation the loss includes (see the module docstring): f and df then take the
    # last layer's pre-activation z, and the network's output activation is this link or identity.
    link: str | None = None

    @property
    def samples(self) -> str:
        """How the loss gathers its samples: "mean" or "sum" (what per-sample gradients of someone's code
        are combined with, one sample at a time)."""
        return "sum" if self.mean_over is None else "mean"

    @property
    def family(self) -> str:
        """"squared" (an error squared) or the link of a cross-entropy ("softmax", "sigmoid"): losses of one
        family differ by constant factors, of two families by the form of the gradient."""
        return self.link or "squared"


LOSSES: dict[str, LossEntry] = {
    "mse": LossEntry(mse, mse_grad, "mean squared error, torch's default reduction", delta=2.0),
    "sse": LossEntry(sse, sse_grad, "sum of squared errors", mean_over=None, delta=2.0),
    "half_sse": LossEntry(half_sse, half_sse_grad, "half the sum of squared errors (textbook)", mean_over=None),
    "half_sse_n": LossEntry(half_sse_n, half_sse_n_grad, "half the squared error summed per sample, averaged over N",
                            mean_over="rows"),
    "ce": LossEntry(ce, ce_grad, "softmax cross-entropy, averaged over N", elementwise=False, mean_over="rows",
                    link="softmax"),
    "ce_sum": LossEntry(ce_sum, ce_sum_grad, "softmax cross-entropy, summed", elementwise=False, mean_over=None,
                        link="softmax"),
    "bce": LossEntry(bce, bce_grad, "binary cross-entropy of sigmoid outputs, averaged over N*C", link="sigmoid"),
    "bce_sum": LossEntry(bce_sum, bce_sum_grad, "binary cross-entropy of sigmoid outputs, summed", mean_over=None,
                         link="sigmoid"),
    "bce_n": LossEntry(bce_n, bce_n_grad, "binary cross-entropy summed over the outputs, averaged over N (Nielsen's "
                       "cross-entropy cost)", mean_over="rows", link="sigmoid"),
}

# Other spellings people use for the same conventions (``--loss mean`` in the check, a course's "half-sum").
ALIASES = {"mean": "mse", "sum": "sse", "half-sse": "half_sse", "half-sum": "half_sse", "half_sum": "half_sse",
           "halfsum": "half_sse", "half-sse-n": "half_sse_n", "quadratic": "half_sse_n",
           "cross_entropy": "ce", "cross-entropy": "ce", "crossentropy": "ce", "softmax_ce": "ce",
           "binary_cross_entropy": "bce", "binary-cross-entropy": "bce", "logistic": "bce"}


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
    """The loss as an array of ``s``'s dtype: 0-d for one network, (...) for stacked ones (``s``: the logits
    for a loss with a link)."""
    return np.asarray(get_loss(name).f(s, y), dtype=s.dtype)


def loss_grad(name: str, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dL/ds, the shape and dtype of ``s``."""
    return get_loss(name).df(s, y)
