"""Initialisers: distributions against torch.nn.init, determinism, exact constants."""

import math

import numpy as np
import pytest
import torch

from handmade.contract.errors import InvalidInput
from handmade.contract.keys import param_shapes
from handmade.contract.spec import MLPSpec
from handmade.init import INITIALISERS, Initialiser, init_params
from torch_ref.model import TorchMLP

N_OUT, N_IN = 200, 300  # 60000 samples: sampling error of the std is ~0.3%
UNIFORM = {"uniform", "xavier_uniform", "kaiming_uniform", "torch_default"}


def torch_reference(name, shape):
    """The same scheme drawn by torch.nn.init (weight, bias)."""
    w = torch.empty(shape, dtype=torch.float64)
    b = torch.empty(shape[0], dtype=torch.float64)
    torch.manual_seed(0)
    init = torch.nn.init
    fan_in = shape[1]
    if name == "torch_default":
        layer = torch.nn.Linear(shape[1], shape[0], dtype=torch.float64)
        return layer.weight.detach(), layer.bias.detach()
    if name == "zeros":
        return init.zeros_(w), init.zeros_(b)
    if name == "constant":
        return init.constant_(w, 0.01), init.constant_(b, 0.01)
    if name == "normal":
        return init.normal_(w, std=0.1), init.normal_(b, std=0.1)
    if name == "uniform":
        return init.uniform_(w, -0.1, 0.1), init.uniform_(b, -0.1, 0.1)
    if name == "standard_normal":
        return init.normal_(w), init.normal_(b)
    if name == "lecun_normal":
        return init.normal_(w, std=1 / math.sqrt(fan_in)), init.zeros_(b)
    if name in ("xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal"):
        getattr(init, name + "_")(w)
        return w, init.zeros_(b)
    raise AssertionError(f"add a torch reference for {name}")


def assert_same_distribution(name, mine, ref, uniform):
    n = ref.size
    ref_std = ref.std()
    if uniform:
        # torch's largest |sample| of n falls short of its bound by ~1/n of it.
        assert np.abs(mine).max() <= np.abs(ref).max() * (1 + 5 / n) + 1e-15, f"{name} bound"
    # Mean within 5 standard errors, std within 5 standard errors of the std (~ std/sqrt(2n)).
    assert abs(mine.mean() - ref.mean()) <= 5 * (ref_std + mine.std()) / math.sqrt(n) + 1e-15, f"{name} mean"
    assert abs(mine.std() - ref_std) <= 5 * ref_std / math.sqrt(2 * n) + 1e-15, f"{name} std"


@pytest.mark.parametrize("name", sorted(INITIALISERS))
def test_distribution_matches_torch(name):
    w, b = Initialiser(name)(np.random.default_rng(0), N_OUT, N_IN)
    tw, tb = (t.numpy() for t in torch_reference(name, (N_OUT, N_IN)))
    assert w.shape == (N_OUT, N_IN) and b.shape == (N_OUT,)
    assert_same_distribution(f"{name} weight", w, tw, name in UNIFORM)
    assert_same_distribution(f"{name} bias", b, tb, name in UNIFORM)


# Initialisers with parameters against torch.nn.init called with the same ones. N_IN != N_OUT, so a scheme
# that takes its fan from the wrong side is off by sqrt(300/200) = 22% in std, ~30 standard errors.
WITH_PARAMETERS = {
    "kaiming_normal(fan_out=true)": lambda w: torch.nn.init.kaiming_normal_(w, mode="fan_out"),
    "kaiming_uniform(fan_out=true)": lambda w: torch.nn.init.kaiming_uniform_(w, mode="fan_out"),
    "kaiming_normal(a=0.2)": lambda w: torch.nn.init.kaiming_normal_(w, a=0.2, nonlinearity="leaky_relu"),
    "kaiming_uniform(a=0.5, fan_out=true)": lambda w: torch.nn.init.kaiming_uniform_(
        w, a=0.5, mode="fan_out", nonlinearity="leaky_relu"),
    "xavier_uniform(gain=2.0)": lambda w: torch.nn.init.xavier_uniform_(w, gain=2.0),
    "xavier_normal(gain=0.5)": lambda w: torch.nn.init.xavier_normal_(w, gain=0.5),
    "normal(std=0.3)": lambda w: torch.nn.init.normal_(w, std=0.3),
}


@pytest.mark.parametrize("spec", WITH_PARAMETERS)
def test_parameters_change_the_distribution_as_in_torch(spec):
    w, _ = Initialiser(spec)(np.random.default_rng(0), N_OUT, N_IN)
    ref = torch.empty((N_OUT, N_IN), dtype=torch.float64)
    torch.manual_seed(0)
    WITH_PARAMETERS[spec](ref)
    assert_same_distribution(spec, w, ref.numpy(), "uniform" in spec)


def test_orthogonal_is_orthogonal_both_ways():
    for shape in ((8, 20), (20, 8)):
        w, _ = Initialiser("orthogonal")(np.random.default_rng(0), *shape)
        small = min(shape)
        gram = w @ w.T if shape[0] < shape[1] else w.T @ w
        np.testing.assert_allclose(gram, np.eye(small), atol=1e-12)


def test_zeros_and_constant_exact():
    w, b = Initialiser("zeros")(None, 3, 4)
    assert not w.any() and not b.any()
    w, b = Initialiser("constant(value=0.25)")(None, 3, 4)
    assert np.all(w == 0.25) and np.all(b == 0.25)


@pytest.mark.parametrize("name", sorted(INITIALISERS))
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    a = init_params((5, 4, 3), name, seed=7)
    b = init_params((5, 4, 3), name, seed=7)
    c = init_params((5, 4, 3), name, seed=8)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    if name not in ("zeros", "constant"):
        assert any(not np.array_equal(a[k], c[k]) for k in a)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_keys_and_shapes_equal_the_torch_state_dict(dtype):
    spec = MLPSpec(sizes=(30, 16, 8, 3), dtype=dtype)
    params = spec.init_params()
    state = TorchMLP(spec, params).state_dict()
    assert list(params) == list(state) == list(param_shapes(spec.sizes))
    for key, value in params.items():
        assert value.dtype == np.dtype(dtype)
        assert tuple(state[key].shape) == value.shape
        np.testing.assert_array_equal(state[key].numpy(), value)


def test_bad_initialiser_input():
    with pytest.raises(InvalidInput, match="did you mean 'xavier_uniform'"):
        Initialiser("xavier_unifrom")
    with pytest.raises(InvalidInput, match="needs a < b"):
        Initialiser("uniform(a=1, b=0)")(np.random.default_rng(0), 2, 2)
    with pytest.raises(InvalidInput, match="is not a number"):
        Initialiser("normal(std=abc)")
    with pytest.raises(InvalidInput, match="std must be > 0"):
        Initialiser("normal(std=-1)")
    with pytest.raises(InvalidInput, match="parameter fan_out takes true or false, got 2"):
        Initialiser("kaiming_normal(fan_out=2)")
    with pytest.raises(InvalidInput, match="parameter value must be finite"):
        Initialiser("constant(value=inf)")
