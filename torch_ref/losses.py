"""The losses of ``handmade.losses``, built from torch's own loss functions.

Shapes as on the handmade side: a network's (..., N, C) block - leading axes for networks
trained side by side - and targets ``y`` (N, C); each loss reduces a network's (N, C)
block, (..., N, C) -> (...). For one network (2-D) every loss is torch's own call with
``reduction="mean"`` / ``"sum"`` (value and gradient bit for bit):

==========  ==========================================================================
name        torch
==========  ==========================================================================
mse         ``F.mse_loss(s, y)``                    (``nn.MSELoss()``)
sse         ``F.mse_loss(s, y, reduction="sum")``
half_sse    ``0.5 * F.mse_loss(s, y, reduction="sum")``
half_sse_n  ``0.5 * F.mse_loss(s, y, reduction="sum") / N``
ce          ``F.cross_entropy(z, y)``               (``nn.CrossEntropyLoss()``, class-probability targets)
ce_sum      ``F.cross_entropy(z, y, reduction="sum")``
bce         ``F.binary_cross_entropy_with_logits(z, y)``   (``nn.BCEWithLogitsLoss()``)
bce_sum     ``F.binary_cross_entropy_with_logits(z, y, reduction="sum")``
bce_n       ``F.binary_cross_entropy_with_logits(z, y, reduction="sum") / N``
==========  ==========================================================================

The cross-entropies take the logits z (the last layer's pre-activation), as torch's losses
do: softmax and sigmoid are inside them (``TorchLoss.takes_logits``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F


def _per_network(elementwise: torch.Tensor, reduce: str) -> torch.Tensor:
    """(..., N, C) per-entry losses -> (...): the mean or the sum over each network's block."""
    return elementwise.mean(dim=(-2, -1)) if reduce == "mean" else elementwise.sum(dim=(-2, -1))


def _squared(s: torch.Tensor, y: torch.Tensor, reduce: str) -> torch.Tensor:
    if s.dim() == 2:
        return F.mse_loss(s, y, reduction=reduce)
    return _per_network(F.mse_loss(s, y.expand_as(s), reduction="none"), reduce)


def _cross_entropy(z: torch.Tensor, y: torch.Tensor, reduce: str) -> torch.Tensor:
    if z.dim() == 2:
        return F.cross_entropy(z, y, reduction=reduce)
    n_classes = z.shape[-1]
    rows = F.cross_entropy(z.reshape(-1, n_classes), y.expand_as(z).reshape(-1, n_classes), reduction="none")
    rows = rows.reshape(z.shape[:-1])   # (..., N): one loss per row
    return rows.mean(dim=-1) if reduce == "mean" else rows.sum(dim=-1)


def _binary_cross_entropy(z: torch.Tensor, y: torch.Tensor, reduce: str) -> torch.Tensor:
    if z.dim() == 2:
        return F.binary_cross_entropy_with_logits(z, y, reduction=reduce)
    return _per_network(F.binary_cross_entropy_with_logits(z, y.expand_as(z), reduction="none"), reduce)


@dataclass(frozen=True)
class TorchLoss:
    fn: callable                 # (scores, y) -> loss
    takes_logits: bool = False   # the scores are the logits z (the output activation is inside the loss)


TORCH_LOSSES = {
    "mse": TorchLoss(lambda s, y: _squared(s, y, "mean")),
    "sse": TorchLoss(lambda s, y: _squared(s, y, "sum")),
    "half_sse": TorchLoss(lambda s, y: 0.5 * _squared(s, y, "sum")),
    "half_sse_n": TorchLoss(lambda s, y: 0.5 * _squared(s, y, "sum") / s.shape[-2]),
    "ce": TorchLoss(lambda z, y: _cross_entropy(z, y, "mean"), takes_logits=True),
    "ce_sum": TorchLoss(lambda z, y: _cross_entropy(z, y, "sum"), takes_logits=True),
    "bce": TorchLoss(lambda z, y: _binary_cross_entropy(z, y, "mean"), takes_logits=True),
    "bce_sum": TorchLoss(lambda z, y: _binary_cross_entropy(z, y, "sum"), takes_logits=True),
    "bce_n": TorchLoss(lambda z, y: _binary_cross_entropy(z, y, "sum") / z.shape[-2], takes_logits=True),
}


def torch_loss(name: str, s: torch.Tensor, y: torch.Tensor, logits: torch.Tensor | None = None) -> torch.Tensor:
    """The loss ``name`` (a ``handmade.losses`` name) of the output ``s`` - or of the ``logits`` z, for the
    losses that take them - against targets ``y``."""
    loss = TORCH_LOSSES[name]
    if loss.takes_logits:
        if logits is None:
            raise ValueError(f"the {name} loss takes the logits (the last layer's pre-activation): pass logits=")
        return loss.fn(logits, y)
    return loss.fn(s, y)
