"""Every registered activation against torch: values, derivatives, kinks, extremes.

Parametrised over ``ACTIVATIONS``: a new registry entry is tested with no new code.
"""

import numpy as np
import pytest
import torch

from handmade.activations import ACTIVATIONS, OUTPUT_ONLY, Activation
from handmade.contract.errors import InvalidInput
from torch_ref.model import TORCH_ACTIVATIONS, torch_activation

NAMES = sorted(ACTIVATIONS)
PARAM_VARIANTS = ["leaky_relu(negative_slope=0.2)", "elu(alpha=0.5)", "softplus(beta=2, threshold=10)"]
TOL = {"float64": 1e-13, "float32": 1e-5}


def torch_value_and_grad(spec, z):
    x = torch.from_numpy(z.copy()).requires_grad_(True)
    y = torch_activation(spec)(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    return y.detach().numpy(), g.numpy()


def assert_close(a, b, rtol, what):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(b)), 1e-300)
    assert np.max(np.abs(a - b)) / scale <= rtol, f"{what}: max diff {np.max(np.abs(a - b)):.3e}"


def test_registries_agree():
    assert set(ACTIVATIONS) | set(OUTPUT_ONLY) == set(TORCH_ACTIVATIONS)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_rows_match_torch_and_stay_finite_for_huge_logits(dtype):
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 3, (50, 4)), [[1000.0, -1000.0, 0.0, 999.0]]]).astype(dtype)
    p = Activation("softmax")(z)
    ref = torch_activation("softmax")(torch.from_numpy(z.copy())).numpy()
    assert p.dtype == z.dtype and np.all(np.isfinite(p))
    assert_close(p, ref, TOL[dtype], "softmax")
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=TOL[dtype])
    with pytest.raises(InvalidInput, match="no element-wise derivative"):
        Activation("softmax").grad(z, p)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", NAMES + PARAM_VARIANTS)
def test_values_and_derivatives_match_torch(spec, dtype):
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 3, 2000), np.linspace(-25, 25, 501)]).astype(dtype)
    act = Activation(spec)
    a = act(z)
    assert a.dtype == z.dtype and a.shape == z.shape
    d = act.grad(z, a)
    assert d.dtype == z.dtype
    ref_a, ref_d = torch_value_and_grad(spec, z)
    assert_close(a, ref_a, TOL[dtype], f"{spec} value")
    assert_close(d, ref_d, TOL[dtype], f"{spec} derivative")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", NAMES + PARAM_VARIANTS)
def test_kink_at_exact_zero_follows_autograd(spec, dtype):
    z = np.array([0.0, -0.0, 0.0], dtype=dtype)
    act = Activation(spec)
    a = act(z)
    ref_a, ref_d = torch_value_and_grad(spec, z)
    np.testing.assert_array_equal(a, ref_a)
    np.testing.assert_array_equal(act.grad(z, a), ref_d)


def test_kink_values_are_the_documented_ones():
    zero = np.zeros(1)
    assert Activation("relu").grad(zero, Activation("relu")(zero))[0] == 0.0
    leaky = Activation("leaky_relu(negative_slope=0.3)")
    assert leaky.grad(zero, leaky(zero))[0] == pytest.approx(0.3)
    assert Activation("elu(alpha=0.5)").grad(zero, zero)[0] == 0.5


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", NAMES + PARAM_VARIANTS)
def test_extreme_inputs_no_warnings_and_torch_values(spec, dtype):
    # pytest turns numpy's overflow RuntimeWarning into an error, so this also proves stability.
    z = np.array([-1e4, -800.0, -50.0, 50.0, 800.0, 1e4], dtype=dtype)
    act = Activation(spec)
    a = act(z)
    d = act.grad(z, a)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))
    ref_a, ref_d = torch_value_and_grad(spec, z)
    assert_close(a, ref_a, TOL[dtype], f"{spec} value at extremes")
    assert_close(d, ref_d, TOL[dtype], f"{spec} derivative at extremes")


def test_unknown_name_lists_choices_and_suggests():
    with pytest.raises(InvalidInput, match=r"did you mean 'relu'.*supported activations are: .*sigmoid"):
        Activation("rleu")


def test_unknown_parameter_is_refused():
    with pytest.raises(InvalidInput, match="has no parameter 'slope'; its parameters are: negative_slope"):
        Activation("leaky_relu(slope=0.1)")


def test_a_flag_for_a_number_is_refused():
    with pytest.raises(InvalidInput, match="negative_slope takes a number, got True"):
        Activation("leaky_relu(negative_slope=true)")


def test_spec_round_trip_is_canonical():
    assert Activation("leaky_relu(negative_slope=0.01)").spec == "leaky_relu"
    assert Activation("leaky_relu( negative_slope = 0.2 )").spec == "leaky_relu(negative_slope=0.2)"
