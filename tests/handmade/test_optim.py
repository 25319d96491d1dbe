"""Each handmade optimizer against torch.optim, step by step, from the same parameters and gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import handmade.optim
from handmade.contract.errors import InvalidInput
from handmade.contract.spec import MLPSpec
from handmade.optim import OPTIMIZERS, canonical_optimizer, make_optimizer
from torch_ref.model import TorchMLP
from torch_ref.optim import load_optimizer_state, make_torch_optimizer, optimizer_state_numpy

VARIANTS = [*OPTIMIZERS, "sgd(weight_decay=0.1)", "momentum(dampening=0.3, weight_decay=0.01)",
            "nesterov(momentum=0.5, weight_decay=0.05)", "adam(beta1=0.5, beta2=0.9, eps=1e-6, weight_decay=0.1)",
            "adamw(weight_decay=0.2)"]


def _pair(spec_text, dtype, lr=0.05):
    spec = MLPSpec(sizes=(5, 4, 3), dtype=dtype, seed=3)
    params = {k: v.copy() for k, v in spec.init_params().items()}
    model = TorchMLP(spec, params)
    return params, make_optimizer(spec_text, params, lr), model, make_torch_optimizer(spec_text, model, lr)


def _step_both(params, opt, model, topt, grads):
    for name, p in model.named_parameters():
        p.grad = torch.as_tensor(grads[name].copy())
    opt.step(grads)
    topt.step()
    return model.numpy_params()


def _random_grads(rng, params):
    # Mixed scales: ordinary entries, tiny ones (where Adam's eps matters) and exact zeros.
    out = {}
    for k, v in params.items():
        g = rng.normal(size=v.shape) * rng.choice([1.0, 1e-3, 1e-9, 0.0], size=v.shape)
        out[k] = g.astype(v.dtype)
    return out


@pytest.mark.parametrize("spec_text", VARIANTS)
def test_steps_match_torch_float64(spec_text):
    params, opt, model, topt = _pair(spec_text, "float64")
    rng = np.random.default_rng(0)
    for step in range(1, 13):  # step 1 (no momentum history, bias corrections ~ 1-beta) and onwards
        theirs = _step_both(params, opt, model, topt, _random_grads(rng, params))
        for key, p in params.items():
            np.testing.assert_allclose(p, theirs[key], rtol=0, atol=4e-15 * max(1.0, np.abs(p).max()),
                                       err_msg=f"{spec_text} step {step} {key}")
    # The buffers too, under torch's names.
    torch_state = optimizer_state_numpy(topt, model)
    for key in params:
        assert set(opt.state[key]) == set(torch_state["state"][key])
        for name, buf in opt.state[key].items():
            np.testing.assert_allclose(buf, torch_state["state"][key][name], rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("spec_text", ["momentum", "adam"])
def test_steps_match_torch_float32(spec_text):
    params, opt, model, topt = _pair(spec_text, "float32")
    rng = np.random.default_rng(1)
    for _ in range(8):
        theirs = _step_both(params, opt, model, topt, _random_grads(rng, params))
    for key, p in params.items():
        assert p.dtype == np.float32
        np.testing.assert_allclose(p, theirs[key], rtol=0, atol=1e-6)


def test_a_wrong_formula_would_be_caught(monkeypatch):
    """The comparison above is sensitive: Adam with beta1 and beta2 swapped (an argument-order slip),
    planted in the handmade optimizer, misses torch's step by far more than the 4e-15 it is held to."""
    original = handmade.optim.Adam._update

    def swapped(self, p, g, state):
        hyper = self.hyper
        self.hyper = {**hyper, "beta1": hyper["beta2"], "beta2": hyper["beta1"]}
        try:
            original(self, p, g, state)
        finally:
            self.hyper = hyper

    def gap() -> float:
        params, opt, model, topt = _pair("adam", "float64")
        rng = np.random.default_rng(4)
        for _ in range(3):
            theirs = _step_both(params, opt, model, topt, _random_grads(rng, params))
        return max(np.abs(params[k] - theirs[k]).max() for k in params)

    assert gap() < 4e-15
    monkeypatch.setattr(handmade.optim.Adam, "_update", swapped)
    assert gap() > 1e-6


@pytest.mark.parametrize("spec_text", ["momentum", "nesterov", "adam", "adamw"])
def test_snapshot_loads_into_torch_and_both_continue_alike(spec_text):
    params, opt, model, topt = _pair(spec_text, "float64")
    rng = np.random.default_rng(2)
    for _ in range(3):
        _step_both(params, opt, model, topt, _random_grads(rng, params))
    snap = opt.snapshot()
    # A fresh torch optimizer on a fresh model, loaded from the handmade snapshot only.
    spec = MLPSpec(sizes=(5, 4, 3), dtype="float64", seed=3)
    fresh = TorchMLP(spec, params)
    fresh_opt = make_torch_optimizer(spec_text, fresh, 0.05)
    load_optimizer_state(fresh_opt, fresh, snap)
    grads = _random_grads(rng, params)
    theirs = _step_both(params, opt, fresh, fresh_opt, grads)
    for key, p in params.items():
        np.testing.assert_allclose(p, theirs[key], rtol=0, atol=1e-15)
    # load_snapshot restores exactly what snapshot saw, independent copies.
    other = make_optimizer(spec_text, {k: v.copy() for k, v in params.items()}, 0.05)
    other.load_snapshot(snap)
    assert other.t == 3
    first = next(iter(snap["state"]))
    for name in snap["state"][first]:
        assert other.state[first][name] is not snap["state"][first][name]
        np.testing.assert_array_equal(other.state[first][name], snap["state"][first][name])


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_learning_rate(lr):
    with pytest.raises(InvalidInput, match="learning rate"):
        make_optimizer("sgd", {"w": np.zeros(2)}, lr)


def test_unknown_optimizer_lists_valid_names():
    with pytest.raises(InvalidInput, match="supported optimizers are: adam, adamw, momentum, nesterov, sgd"):
        make_optimizer("adma", {"w": np.zeros(2)}, 0.1)


@pytest.mark.parametrize("text, message", [
    ("nesterov(momentum=0)", "Nesterov"),
    ("adam(beta1=1)", "beta1"),
    ("sgd(weight_decay=-1)", "weight_decay"),
    ("sgd(betas=0.9)", "has no parameter"),
])
def test_bad_hyper_parameters(text, message):
    with pytest.raises(InvalidInput, match=message):
        make_optimizer(text, {"w": np.zeros(2)}, 0.1)


def test_canonical_names_drop_defaults():
    assert canonical_optimizer("momentum(momentum=0.9)") == "momentum"
    assert canonical_optimizer("adam(beta1=0.8)") == "adam(beta1=0.8)"
