"""Losses and their gradients against torch's own losses (MSELoss, CrossEntropyLoss, BCEWithLogitsLoss)."""

import numpy as np
import pytest
import torch

from handmade.contract.errors import InvalidInput
from handmade.contract.spec import MLPSpec
from handmade.data import letters
from handmade.losses import LOSSES, get_loss, loss_grad, loss_value, one_hot, softmax
from handmade.model import MLP
from torch_ref.losses import TORCH_LOSSES, torch_loss


def _batch(name, shape, dtype, rng):
    """Scores and targets: one-hot rows for a loss with a link (a classifier), Gaussian targets otherwise."""
    s = (3 * rng.normal(size=shape)).astype(dtype)
    if get_loss(name).link:
        return s, one_hot(rng.integers(0, shape[-1], size=shape[-2]), shape[-1], dtype)
    return s, rng.normal(size=shape[-2:]).astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(7, 3), (4, 7, 3)], ids=["one network", "four stacked"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_value_and_gradient_match_torch(name, shape, dtype):
    s, y = _batch(name, shape, dtype, np.random.default_rng(1))
    st = torch.from_numpy(s.copy()).requires_grad_(True)
    ref = torch_loss(name, st, torch.from_numpy(y), logits=st)  # a classifier's scores here are its logits
    ref.sum().backward()
    rtol = 1e-13 if dtype == "float64" else 1e-5
    value = loss_value(name, s, y)
    assert value.dtype == np.dtype(dtype) and value.shape == shape[:-2]
    np.testing.assert_allclose(value, ref.detach().numpy(), rtol=rtol, atol=0)
    g = loss_grad(name, s, y)
    assert g.dtype == np.dtype(dtype)
    np.testing.assert_allclose(g, st.grad.numpy(), rtol=rtol, atol=1e-300)


def test_both_sides_agree_on_which_losses_take_the_logits():
    assert set(LOSSES) == set(TORCH_LOSSES)
    assert {n for n, e in LOSSES.items() if e.link} == {n for n, e in TORCH_LOSSES.items() if e.takes_logits}


@pytest.mark.parametrize("name", ["ce", "ce_sum", "bce", "bce_sum"])
def test_classification_losses_stay_finite_where_a_probability_underflows(name):
    """Logits of +-800 (p = 0 or 1 in float64): no log(0), no overflow, the same numbers as torch."""
    z = np.array([[800.0, -800.0, 0.0], [-800.0, 0.0, 800.0]])
    y = one_hot(np.array([1, 2]), 3)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is the point
        value, grad = loss_value(name, z, y), loss_grad(name, z, y)
    zt = torch.from_numpy(z.copy()).requires_grad_(True)
    ref = torch_loss(name, zt, torch.from_numpy(y), logits=zt)
    ref.backward()
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, ref.item(), rtol=1e-13)
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-13, atol=1e-300)


def test_conventions_differ_by_the_documented_factors():
    rng = np.random.default_rng(2)
    s, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    mse, sse, half, half_n = (float(loss_value(n, s, y)) for n in ("mse", "sse", "half_sse", "half_sse_n"))
    assert sse == pytest.approx(12 * mse)
    assert half == pytest.approx(sse / 2)
    assert half_n == pytest.approx(half / 4)  # averaged over the N = 4 samples
    labels = one_hot(np.array([0, 2, 1, 2]), 3)
    assert float(loss_value("ce_sum", s, labels)) == pytest.approx(4 * float(loss_value("ce", s, labels)))
    assert float(loss_value("bce_sum", s, labels)) == pytest.approx(12 * float(loss_value("bce", s, labels)))


def test_the_cross_entropy_gradient_is_the_classic_output_delta():
    """For one-hot rows dL/dz = (softmax(z) - y) / N: the "a - y" shortcut is exact for softmax + ce."""
    rng = np.random.default_rng(3)
    z, y = rng.normal(size=(5, 3)), one_hot(np.array([0, 1, 2, 2, 0]), 3)
    np.testing.assert_allclose(loss_grad("ce", z, y), (softmax(z) - y) / 5, rtol=1e-14)


def test_a_classifier_takes_integer_labels_as_one_hot_rows():
    X, Y = letters()
    net = MLP(MLPSpec(output_activation="softmax", loss="ce"))
    net.forward(X)
    labels = Y.argmax(axis=1)
    assert net.loss(labels) == net.loss(Y)
    np.testing.assert_array_equal(net.backward(labels).params["layers.1.weight"],
                                  net.backward(Y).params["layers.1.weight"])
    with pytest.raises(InvalidInput, match="class labels must be integers 0..2"):
        net.loss(np.array([0, 1, 7]))


@pytest.mark.parametrize("fields, message", [
    ({"output_activation": "softmax"}, "a softmax output goes with the ce or ce_sum loss"),
    ({"activation": "softmax", "loss": "ce"}, "softmax is not element-wise"),
    ({"output_activation": "relu", "loss": "bce"}, "must be sigmoid .* or identity"),
    ({"output_activation": "sigmoid", "loss": "ce"}, "must be softmax .* or identity"),
])
def test_an_output_layer_the_loss_cannot_take_is_refused_naming_the_choices(fields, message):
    with pytest.raises(InvalidInput, match=message):
        MLPSpec(**fields)


def test_unknown_loss():
    with pytest.raises(InvalidInput, match="did you mean 'mse'"):
        get_loss("mes")
    assert get_loss("cross-entropy") is LOSSES["ce"]
