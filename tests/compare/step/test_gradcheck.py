"""Central differences: a torch-free third reference for the handmade gradients."""

from dataclasses import replace

import numpy as np
import pytest

import handmade.activations as acts
from compare.measure.tolerance import tolerance_for
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
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    assert {c.tolerance for c in checks} == {tolerance_for("float64").finite_diff}  # the policy's bar, not a copy


def test_deep_sigmoid_net_agrees():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 12)), rng.normal(size=(8, 4))
    checks = finite_difference_check(MLPSpec(sizes=(12, 10, 10, 10, 4), activation="sigmoid",
                                             init="xavier_uniform"), X, Y)
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_kinked_activations_are_reported_but_not_counted():
    X, Y = letters()
    checks = finite_difference_check(MLPSpec(activation="relu"), X, Y)
    assert not any(c.counted for c in checks)


def _derivative_scaled(monkeypatch, name, factor):
    entry = ACTIVATIONS[name]
    monkeypatch.setitem(acts.ACTIVATIONS, name, replace(entry, df=lambda z, a: factor * entry.df(z, a)))


def test_the_check_catches_a_wrong_gradient(monkeypatch):
    _derivative_scaled(monkeypatch, "tanh", 0.5)
    X, Y = letters()
    checks = finite_difference_check(MLPSpec(activation="tanh"), X, Y)
    assert not all(c.passed for c in checks)


def test_the_check_resolves_a_gradient_wrong_by_one_part_in_100000(monkeypatch):
    """tanh' 1e-5 too large: central differences are good to ~1e-10, so the float64 bar must fail it.

    The error reaches the hidden layer's gradients (1e-5 of them) but not the output layer's,
    whose formula does not use the hidden derivative: a bar 1000x looser would pass the run.
    """
    _derivative_scaled(monkeypatch, "tanh", 1 + 1e-5)
    X, Y = letters()
    checks = {c.name: c for c in finite_difference_check(MLPSpec(activation="tanh"), X, Y)}
    assert not checks["fd layers.0.weight"].passed and not checks["fd layers.0.bias"].passed
    assert checks["fd layers.1.weight"].passed and checks["fd layers.1.bias"].passed
    assert checks["fd layers.0.weight"].rel_error > 100 * checks["fd layers.1.weight"].rel_error
