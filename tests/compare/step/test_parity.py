"""One-step parity: every tensor of forward and backward equals torch's under the dtype policy."""

from dataclasses import replace

import numpy as np
import pytest

from compare.measure.tolerance import TOLERANCES
from compare.step.parity import compare_step, handmade_step, record_order
from handmade.activations import ACTIVATIONS
from handmade.contract.spec import MLPSpec, check_data
from handmade.data import letters
from handmade.losses import LOSSES
from handmade.model import MLP


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_letters_net_matches_torch(activation, loss, dtype):
    """A classification loss is paired with its link as the output (softmax, sigmoid): the probabilities
    are compared too, and dL/ds is formed by neither side."""
    X, Y = letters()
    link = LOSSES[loss].link
    spec = MLPSpec(activation=activation, output_activation=link or "identity", loss=loss, dtype=dtype)
    result = compare_step(spec, X, Y)
    assert result.passed, result.first_failure
    assert result.summary()["worst_rel_diff"] <= TOLERANCES[dtype].step
    assert result.summary()["checks"] == len(record_order(2, output_grad=link is None))
    assert ("grad output (dL/ds)" in [r.name for r in result.records]) == (link is None)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("activation", ["relu", "sigmoid", "gelu"])
def test_deep_net_with_relu_output_matches_torch(activation, dtype):
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(9, 64)), rng.normal(size=(9, 10))
    spec = MLPSpec(sizes=(64, 32, 32, 10), activation=activation, output_activation="relu",
                   init="kaiming_normal", dtype=dtype)
    result = compare_step(spec, X, Y)
    assert result.passed, result.first_failure
    names = [r.name for r in result.records]
    assert names[0] == "z[0]" and names[-1] == "grad input"
    assert {"grad layers.0.weight", "grad z[1]", "grad a[1]"} <= set(names)


# f'(0) as torch's autograd takes it, for the activations with a kink at 0.
KINK_SLOPES = {"relu": 0.0, "leaky_relu": 0.01, "leaky_relu(negative_slope=0.2)": 0.2, "elu": 1.0,
               "elu(alpha=0.5)": 0.5}


@pytest.mark.parametrize("activation", KINK_SLOPES)
def test_exact_zero_pre_activations_follow_autograd(activation):
    """Zero first-layer weights and biases put every hidden pre-activation exactly at the kink, while the
    output layer's weights are not zero: dL/da there is not zero, so f'(0) decides dL/dz - and it is torch's."""
    X, Y = letters()
    spec = MLPSpec(activation=activation, seed=2)
    params = spec.init_params()
    params["layers.0.weight"][:] = 0.0
    params["layers.0.bias"][:] = 0.0
    result = compare_step(spec, X, Y, params=params)
    assert result.passed, result.first_failure
    mine = handmade_step(spec, params, *check_data(X, Y, spec.sizes, spec.dtype))
    assert np.all(mine["z[0]"] == 0) and np.abs(mine["grad a[0]"]).min() > 0  # at the kink, with a gradient
    np.testing.assert_array_equal(mine["grad z[0]"], KINK_SLOPES[activation] * mine["grad a[0]"])


def test_a_kink_taken_the_other_way_is_caught(monkeypatch):
    """relu'(0) = 1 instead of torch's 0: invisible away from the kink, a failure at it."""
    import handmade.activations as acts

    entry = acts.ACTIVATIONS["relu"]
    monkeypatch.setitem(acts.ACTIVATIONS, "relu", replace(entry, df=lambda z, a: (z >= 0).astype(z.dtype)))
    X, Y = letters()
    assert compare_step(MLPSpec(activation="relu"), X, Y).passed  # no pre-activation is exactly 0 here
    spec = MLPSpec(activation="relu", seed=2)
    params = spec.init_params()
    params["layers.0.weight"][:] = 0.0
    params["layers.0.bias"][:] = 0.0
    result = compare_step(spec, X, Y, params=params)
    assert not result.passed and result.first_failure.name == "grad z[0]"


@pytest.mark.parametrize("key", ["layers.0.weight", "layers.1.bias"])
def test_a_bug_in_one_parameter_gradient_alone_is_caught(monkeypatch, key):
    """dW (or db) 1.5x too large while every dL/dz and dL/da is right: the parameter's record must fail
    on its own, by rel = (1.5 - 1) / 1.5 = 1/3."""
    backward = MLP.backward

    def scaled(self, Y):
        grads = backward(self, Y)
        grads.params[key] = 1.5 * grads.params[key]
        return grads

    monkeypatch.setattr(MLP, "backward", scaled)
    X, Y = letters()
    result = compare_step(MLPSpec(activation="tanh"), X, Y)
    assert not result.passed
    failed = [r.name for r in result.records if not r.passed]
    assert failed == [f"grad {key}"]
    assert result.first_failure.max_rel_diff == pytest.approx(1 / 3, rel=1e-9)
    assert result.summary()["failed"] == 1 and result.summary()["worst_rel_diff"] == pytest.approx(1 / 3, rel=1e-9)


def test_a_wrong_gradient_is_caught_and_localised(monkeypatch):
    """The harness is only worth its failures: break the sigmoid derivative and watch."""
    import handmade.activations as acts
    entry = acts.ACTIVATIONS["sigmoid"]
    broken = acts.ActivationEntry(entry.f, lambda z, a: a, entry.defaults, entry.smooth)  # sigma, not sigma(1-sigma)
    monkeypatch.setitem(acts.ACTIVATIONS, "sigmoid", broken)
    X, Y = letters()
    result = compare_step(MLPSpec(sizes=(30, 8, 8, 3), activation="sigmoid"), X, Y)
    assert not result.passed
    first = result.first_failure
    # Forward is untouched; the first wrong tensor is dL/dz of the last hidden layer.
    assert first.name == "grad z[1]"
    assert all(r.passed for r in result.records[: result.records.index(first)])
    assert first.max_rel_diff > 1e-2


def test_given_params_are_used_and_not_modified():
    X, Y = letters()
    spec = MLPSpec()
    params = spec.init_params()
    params["layers.0.weight"] *= 3
    before = {k: v.copy() for k, v in params.items()}
    result = compare_step(spec, X, Y, params=params)
    assert result.passed
    assert all(np.array_equal(before[k], params[k]) for k in params)
    default = compare_step(spec, X, Y)
    assert default.loss != result.loss
