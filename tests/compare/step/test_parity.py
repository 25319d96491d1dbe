"""One-step parity: every tensor of forward and backward equals torch's under the dtype policy."""

import numpy as np
import pytest

from compare.measure.tolerance import TOLERANCES
from compare.step.parity import compare_step, record_order
from handmade.activations import ACTIVATIONS
from handmade.contract.spec import MLPSpec
from handmade.data import letters
from handmade.losses import LOSSES


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


def test_exact_zero_pre_activations_follow_autograd():
    # Zero weights and biases put every hidden pre-activation exactly at the ReLU kink.
    X, Y = letters()
    for act in ("relu", "leaky_relu", "elu"):
        result = compare_step(MLPSpec(activation=act, init="zeros"), X, Y)
        assert result.passed, result.first_failure


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
