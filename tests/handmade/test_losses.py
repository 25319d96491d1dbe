"""Losses and their gradients against torch's MSELoss in its three conventions."""

import numpy as np
import pytest
import torch

from handmade.contract.errors import InvalidInput
from handmade.losses import LOSSES, get_loss, loss_grad, loss_value
from torch_ref.losses import torch_loss


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_value_and_gradient_match_torch(name, dtype):
    rng = np.random.default_rng(1)
    s = rng.normal(size=(7, 3)).astype(dtype)
    y = rng.normal(size=(7, 3)).astype(dtype)
    st = torch.from_numpy(s.copy()).requires_grad_(True)
    ref = torch_loss(name, st, torch.from_numpy(y))
    ref.backward()
    rtol = 1e-13 if dtype == "float64" else 1e-5
    assert loss_value(name, s, y).dtype == np.dtype(dtype)
    assert float(loss_value(name, s, y)) == pytest.approx(ref.item(), rel=rtol)
    g = loss_grad(name, s, y)
    assert g.dtype == np.dtype(dtype)
    np.testing.assert_allclose(g, st.grad.numpy(), rtol=rtol, atol=0)


def test_conventions_differ_by_the_documented_factors():
    rng = np.random.default_rng(2)
    s, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    mse, sse, half = (float(loss_value(n, s, y)) for n in ("mse", "sse", "half_sse"))
    assert sse == pytest.approx(12 * mse)
    assert half == pytest.approx(sse / 2)


def test_unknown_loss():
    with pytest.raises(InvalidInput, match="did you mean 'mse'"):
        get_loss("mes")
