"""The losses of ``handmade.losses``, built from torch's own ``nn.functional.mse_loss``.

Shapes as on the handmade side: scores ``s`` (..., N, C) - leading axes for networks
trained side by side - and targets ``y`` (N, C); each loss reduces a network's (N, C)
block, (..., N, C) -> (...). For one network (2-D) the reduction over the last two
axes is torch's ``reduction="mean"`` / ``"sum"`` itself (value and gradient bit for bit).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


def _squared(s: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(s, y.expand_as(s), reduction="none")


def mse(s, y):
    return _squared(s, y).mean(dim=(-2, -1))


def sse(s, y):
    return _squared(s, y).sum(dim=(-2, -1))


def half_sse(s, y):
    return 0.5 * sse(s, y)


TORCH_LOSSES = {"mse": mse, "sse": sse, "half_sse": half_sse}


def torch_loss(name: str, s: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss ``name`` (a ``handmade.losses`` name) of scores ``s`` against targets ``y``."""
    return TORCH_LOSSES[name](s, y)
