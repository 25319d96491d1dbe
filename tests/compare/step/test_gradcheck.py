"""Central differences: a torch-free third reference for the handmade gradients."""

import numpy as np
import pytest

from compare.step.gradcheck import finite_difference_check
from handmade.activations import ACTIVATIONS
from handmade.contract.spec import MLPSpec
from handmade.data import letters
from handmade.losses import LOSSES

SMOOTH = sorted(name for name, entry in ACTIVATIONS.items() if entry.smooth)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", SMOOTH)
def test_smooth_activations_agree_with_finite_differences(activation, loss):
    X, Y = letters()
    checks = finite_difference_check(MLPSpec(activation=activation, loss=loss), X, Y)
    assert len(checks) == 4 and all(c.counted for c in checks)
    for check in checks:
        assert check.rel_error < 1e-7, check


def test_deep_sigmoid_net_agrees():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 12)), rng.normal(size=(8, 4))
    checks = finite_difference_check(MLPSpec(sizes=(12, 10, 10, 10, 4), activation="sigmoid",
                                             init="xavier_uniform"), X, Y)
    assert max(c.rel_error for c in checks) < 1e-7


def test_kinked_activations_are_reported_but_not_counted():
    X, Y = letters()
    checks = finite_difference_check(MLPSpec(activation="relu"), X, Y)
    assert not any(c.counted for c in checks)


def test_the_check_catches_a_wrong_gradient(monkeypatch):
    import handmade.activations as acts
    entry = acts.ACTIVATIONS["tanh"]
    monkeypatch.setitem(acts.ACTIVATIONS, "tanh",
                        acts.ActivationEntry(entry.f, lambda z, a: 1 - a, entry.defaults, entry.smooth))
    X, Y = letters()
    checks = finite_difference_check(MLPSpec(activation="tanh"), X, Y)
    assert any(c.rel_error > 1e-3 for c in checks)
