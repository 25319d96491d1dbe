"""The fused training step (handmade.fast.step) is bit-identical to forward, loss, backward and optimizer.step."""

from __future__ import annotations

import numpy as np
import pytest

from handmade import MLP, MLPSpec, letters, make_optimizer
from handmade.fast.step import FusedStep, update
from handmade.losses import LOSSES


def assert_train_step_matches_readable_path(spec, X, Y, optimizer, steps):
    """Train two twins: forward/loss/backward/step vs the fused step; same losses and bits."""
    slow, fast = MLP(spec), MLP(spec)
    opt_slow = make_optimizer(optimizer, slow.params, 0.05)
    step = FusedStep(fast, make_optimizer(optimizer, fast.params, 0.05))
    for _ in range(steps):
        slow.forward(X)
        loss = slow.loss(Y)
        opt_slow.step(slow.backward(Y).params)
        assert step(X, Y) == loss
    for key in slow.params:
        assert np.array_equal(slow.params[key], fast.params[key]), key
    return slow


@pytest.mark.parametrize("activation", ["relu", "tanh", "leaky_relu"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_fused_step_is_bit_identical_to_forward_backward_step(activation, dtype, optimizer):
    X, Y = letters()
    spec = MLPSpec(sizes=(30, 16, 8, 3), activation=activation, dtype=dtype)
    slow = assert_train_step_matches_readable_path(spec, X, Y, optimizer, steps=20)
    # and the readable backward still keeps every intermediate as separate arrays
    slow.forward(X)
    grads = slow.backward(Y)
    assert grads.input.shape == X.shape and len(grads.z) == len(grads.a) == 3


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_fused_step_is_bit_identical_for_every_loss(loss):
    """A loss with a link (ce, bce) gives dL/dz straight to the last layer, in both paths alike."""
    X, Y = letters()
    spec = MLPSpec(sizes=(30, 16, 3), activation="tanh", output_activation=LOSSES[loss].link or "sigmoid",
                   loss=loss)
    assert_train_step_matches_readable_path(spec, X, Y, "sgd", steps=10)


def test_fused_step_skips_update_on_non_finite_loss():
    X, Y = letters()
    net = MLP(MLPSpec())
    net.params["layers.0.weight"] *= 1e200
    before = {k: v.copy() for k, v in net.params.items()}
    with np.errstate(over="ignore", invalid="ignore"):
        loss = FusedStep(net, make_optimizer("sgd", net.params, 0.1))(X, Y)
    assert not np.isfinite(loss)
    for key in before:
        assert np.array_equal(net.params[key], before[key])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_fused_step_with_reused_buffers_is_bit_identical_too(dtype, optimizer):
    # Big enough for the fused step to keep its buffers between steps (see FusedStep._workspace).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 64)).astype(dtype)
    Y = np.eye(10)[rng.integers(0, 10, 64)].astype(dtype)
    spec = MLPSpec(sizes=(64, 600, 10), dtype=dtype)
    net = MLP(spec)
    assert FusedStep(net, make_optimizer("sgd", net.params, 0.1))._workspace(len(X)) is not None
    assert_train_step_matches_readable_path(spec, X, Y, optimizer, steps=4)


@pytest.mark.parametrize("spec_text", ["sgd", "momentum", "nesterov", "adam", "adamw", "sgd(weight_decay=0.01)"])
def test_update_gives_the_bits_of_optimizer_step_and_step_leaves_gradients_alone(spec_text):
    rng = np.random.default_rng(5)
    params = MLPSpec(sizes=(6, 5, 3)).init_params()
    twin = {k: v.copy() for k, v in params.items()}
    opt, opt_twin = make_optimizer(spec_text, params, 0.05), make_optimizer(spec_text, twin, 0.05)
    for _ in range(3):
        grads = {k: rng.normal(size=v.shape) for k, v in params.items()}
        kept = {k: g.copy() for k, g in grads.items()}
        opt.step(grads)
        for key in grads:
            assert np.array_equal(grads[key], kept[key]), f"{key}: step() changed a gradient it was given"
        update(opt_twin, kept)
    for key in params:
        assert np.array_equal(params[key], twin[key]), key
    assert opt.t == opt_twin.t == 3

