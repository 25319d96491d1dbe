"""Property-based parity: Hypothesis draws networks, data and settings nobody picked by hand.

Drawn: layer sizes 1..64, 1..4 hidden layers, batch 1..32, hidden and output
activation, initialiser, loss, dtype, and inputs at scales 0 (exact zeros),
1e-3, 1, 10 and 1e3. Properties:

1. Every tensor of one forward/backward (``compare.parity.compare_step``) matches
   torch within the dtype policy - or, where the policy's tensor-relative measure
   is beyond what rounding allows, the difference is no larger than torch's own
   rounding spread (below). No numpy warning is raised anywhere (pytest turns
   warnings into errors).
2. For smooth activations, the handmade gradients agree with central differences
   (``compare.gradcheck``) within the 1e-7 bar, or, where the difference quotient
   cannot resolve them to that bar, within its own estimated error
   (``fd_error_estimate``).

Which cases are legitimately outside the step policy, and how they are judged.
The policy measures ``max|a-b| / max|b|``: rounding error in units of the
tensor's *own* scale. Two computations leave that measure unbounded even
though both sides are correct to the last bit of their inputs:

* cancellation: a gradient that is a sum over the batch of terms that nearly
  cancel (``db = sum_n dz_n``) carries the rounding error of the terms, which
  can be 1e3x the size of the result;
* compression: a saturating activation maps pre-activations of size 1e4 (float32
  inputs of 1e3) to outputs of size 1; the absolute error of z (1e4 * 6e-8)
  becomes an error of 1e-3 in units of a.

* one ulp, amplified: numpy's and torch's tanh/exp differ by an ulp; 1 - a^2 of a
  saturated tanh is then 0 on one side and 1.2e-7 on the other;
* underflow: results in the subnormal range are exact only to an absolute step.

For those, the yardstick is torch against itself: the same network with its
units and batch rows permuted (an exact symmetry of an MLP: the permuted
network computes the same function, un-permuted), with one ulp of noise on every
intermediate, differs from the plain run by rounding alone. ``spread`` is the
largest such difference over three tries; the handmade result must then lie
within ``SPREAD_FACTOR`` times it (or be below the smallest normal number). A real bug
(a wrong factor, a transposed weight, a wrong derivative) is off by 1e-2 or more
and is caught either way; the measured ratios are in notes/readme-7.md.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
import torch
from hypothesis import assume, event, given, note, target
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import torch_ref.model as torch_model
from compare.gradcheck import STEP, finite_difference_check, numeric_gradient
from compare.parity import compare_step, torch_step
from compare.records import rel_diff
from handmade.activations import ACTIVATIONS, Activation
from handmade.init import INITIALISERS
from handmade.losses import LOSSES
from handmade.spec import MLPSpec, check_data
from torch_ref.model import TorchMLP

SCALES = (0.0, 1e-3, 1.0, 10.0, 1e3)
# Non-default parameters too: a registry entry's parameters are part of its contract.
ACTIVATION_SPECS = sorted(ACTIVATIONS) + ["leaky_relu(negative_slope=0.2)", "elu(alpha=0.5)", "softplus(beta=2)"]
SMOOTH_SPECS = [spec for spec in ACTIVATION_SPECS if Activation(spec).smooth]
SPREAD_FACTOR = 30.0  # a ratio of two rounding errors has a heavy tail: measured worst 14.4, see the note


def inputs(shape, scale):
    """An array of ``shape`` with entries in [-scale, scale] (all exact zeros for scale 0)."""
    if scale == 0:
        return st.just(np.zeros(shape))
    return arrays(np.float64, shape, elements=st.floats(-scale, scale, allow_nan=False, allow_infinity=False))


@st.composite
def cases(draw, max_width=64, max_depth=4, max_batch=32, activations=ACTIVATION_SPECS, scales=SCALES,
          dtypes=("float64", "float32")):
    depth = draw(st.integers(1, max_depth), label="hidden layers")
    sizes = tuple(draw(st.lists(st.integers(1, max_width), min_size=depth + 2, max_size=depth + 2), label="sizes"))
    batch = draw(st.integers(1, max_batch), label="batch")
    scale = draw(st.sampled_from(scales), label="input scale")
    spec = MLPSpec(sizes=sizes,
                   activation=draw(st.sampled_from(activations), label="activation"),
                   output_activation=draw(st.sampled_from(["identity", *activations]), label="output activation"),
                   loss=draw(st.sampled_from(sorted(LOSSES)), label="loss"),
                   init=draw(st.sampled_from(sorted(INITIALISERS)), label="init"),
                   seed=draw(st.integers(0, 2**32 - 1), label="seed"),
                   dtype=draw(st.sampled_from(dtypes), label="dtype"))
    X = draw(inputs((batch, sizes[0]), scale), label="X")
    Y = draw(arrays(np.float64, (batch, sizes[-1]), elements=st.floats(-2, 2)), label="Y")
    return spec, X, Y, scale


# -- torch's own rounding spread under an exact symmetry ------------------------------------------
def permuted_torch(spec, params, X, Y, rng):
    """torch's tensors for the network with every layer's units and the batch rows permuted, un-permuted."""
    perms = [rng.permutation(n) for n in spec.sizes]
    rows = rng.permutation(X.shape[0])
    p_params = {}
    for l in range(spec.n_layers):
        p_params[f"layers.{l}.weight"] = params[f"layers.{l}.weight"][perms[l + 1]][:, perms[l]]
        p_params[f"layers.{l}.bias"] = params[f"layers.{l}.bias"][perms[l + 1]]
    got = torch_step(spec, p_params, X[rows][:, perms[0]], Y[rows][:, perms[-1]])
    inv_rows = np.argsort(rows)
    inv = [np.argsort(p) for p in perms]
    out = {"loss": got["loss"], "output": got["output"][inv_rows][:, inv[-1]],
           "grad input": got["grad input"][inv_rows][:, inv[0]]}
    for l in range(spec.n_layers):
        for name in (f"z[{l}]", f"a[{l}]", f"grad z[{l}]", f"grad a[{l}]"):
            out[name] = got[name][inv_rows][:, inv[l + 1]]
        out[f"grad layers.{l}.weight"] = got[f"grad layers.{l}.weight"][inv[l + 1]][:, inv[l]]
        out[f"grad layers.{l}.bias"] = got[f"grad layers.{l}.bias"][inv[l + 1]]
    return out


@contextmanager
def one_ulp_noise(dtype, seed, coherent=0):
    """Inside torch's own step, put one ulp of noise, (1 + u eps) with u ~ U(-1, 1), on every z and a.

    numpy's and torch's tanh, exp, erf ... are different implementations, each accurate
    to about an ulp, so they differ by about an ulp; 1 - a^2 at a = 0.998 turns that into
    500 ulps, and at saturation (a rounds to 1 on one side only) into a gradient of 0
    against 1e-7. Permuting sums cannot show that; noise on every intermediate does (the
    standard model of rounding, fl(x) = x (1 + delta), |delta| <= eps). z and a get it
    from a hook on every module's output; tanh and sigmoid, whose backward reads their own output,
    get it on that output before torch's backward kernel sees it. ``coherent=+1/-1``
    uses the same error for every element instead: numpy's tanh of equal inputs errs
    equally, and such errors add up in a batch sum instead of averaging out.
    """
    eps = float(np.finfo(dtype).eps)
    generator = torch.Generator().manual_seed(seed)

    def noisy(t):
        if coherent:  # the same relative error on every element, as a function gives for equal inputs
            return t * (1 + coherent * eps)
        return t * (1 + (torch.rand(t.shape, generator=generator, dtype=t.dtype) * 2 - 1) * eps)

    def perturb_output(module, inputs, out):
        if isinstance(module, (TorchMLP, Noisy)) or not isinstance(out, torch.Tensor):
            return None  # the whole model; or tanh/sigmoid, noisy already
        return noisy(out)

    class FromNoisyOutput(torch.autograd.Function):
        """y = f(z) with one ulp of noise, differentiated by torch's kernel from that noisy y."""

        @staticmethod
        def forward(ctx, z, forward, backward):
            y = noisy(forward(z))
            ctx.save_for_backward(y)
            ctx.backward = backward
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return ctx.backward(grad, y), None, None

    class Noisy(torch.nn.Module):
        def __init__(self, forward, backward):
            super().__init__()
            self.f, self.df = forward, backward

        def forward(self, z):
            return FromNoisyOutput.apply(z, self.f, self.df)

    patched = {"tanh": lambda: Noisy(torch.tanh, torch.ops.aten.tanh_backward),
               "sigmoid": lambda: Noisy(torch.sigmoid, torch.ops.aten.sigmoid_backward)}
    saved = {name: torch_model.TORCH_ACTIVATIONS[name] for name in patched}
    handle = torch.nn.modules.module.register_module_forward_hook(perturb_output)
    torch_model.TORCH_ACTIVATIONS.update(patched)
    try:
        yield
    finally:
        handle.remove()
        torch_model.TORCH_ACTIVATIONS.update(saved)


def torch_spread(spec, X, Y, seed):
    """Per tensor name: the largest rel diff between torch and torch on a permuted, ulp-perturbed copy.

    Three tries, each with fresh permutations: independent noise, then coherent +1 and -1 ulp.
    """
    X, Y = check_data(X, Y, spec.sizes, spec.dtype)
    params = spec.init_params()
    base = torch_step(spec, params, X, Y)
    rng = np.random.default_rng(seed)
    spread = dict.fromkeys(base, 0.0)
    for coherent in (0, 1, -1):
        with one_ulp_noise(spec.dtype, seed, coherent):
            other = permuted_torch(spec, params, X, Y, rng)
        for name in base:
            spread[name] = max(spread[name], rel_diff(base[name], other[name]))
    return spread


def raw_name(label: str, n_layers: int) -> str:
    return f"grad a[{n_layers - 1}]" if label == "grad output (dL/ds)" else label


# -- property 1: parity with torch ----------------------------------------------------------------
# Parametrised over the registry, so every activation gets its own examples (a new entry too).
@pytest.mark.parametrize("activation", ACTIVATION_SPECS)
@given(data=st.data())
def test_forward_and_gradients_match_torch(activation, data):
    spec, X, Y, scale = data.draw(cases(activations=[activation]), label="case")
    note(f"{spec.label()}, batch {X.shape[0]}, input scale {scale:g}")
    step = compare_step(spec, X, Y)
    counted = [r for r in step.records if r.counted]
    assert len(counted) == 6 * spec.n_layers + 2  # every tensor of the data flow is compared
    target(max(r.max_rel_diff / r.tolerance for r in counted), label="worst rel / tolerance")
    outside = [r for r in counted if not r.passed]
    if not outside:
        return
    event(f"outside the step policy ({spec.dtype})")
    spread = torch_spread(spec, X, Y, seed=spec.seed)
    floor = underflow_floor(spec, X.shape[0])
    for record in outside:
        noise = spread[raw_name(record.name, spec.n_layers)]
        note(f"{record.name}: handmade vs torch {record.max_rel_diff:.3g} (abs {record.max_abs_diff:.3g}), "
             f"torch vs permuted torch {noise:.3g}")
        assert np.isfinite(record.max_rel_diff), record.note
        if record.max_abs_diff <= floor:
            event("outside the step policy: subnormal tensor")
            continue
        event("outside the step policy: within torch's own spread")
        assert record.max_rel_diff <= SPREAD_FACTOR * noise, (
            f"{record.name} differs from torch by {record.max_rel_diff:.3g} (policy {record.tolerance:g}), "
            f"{record.max_rel_diff / max(noise, 1e-300):.3g}x torch's own rounding spread {noise:.3g}")


def underflow_floor(spec, batch) -> float:
    """Absolute differences that underflow alone explains: below the smallest normal number.

    There IEEE arithmetic is exact only to a fixed absolute step, and fast kernels may
    flush subnormal results to zero (torch's float32 sigmoid(-88.8) is 0, numpy's
    2.7e-39): a tensor that small is outside any relative policy.
    """
    return float(np.finfo(spec.dtype).tiny)


# -- property 2: finite differences ---------------------------------------------------------------
def fd_error_estimate(spec, X, Y, params, analytic) -> dict[str, float]:
    """Finite differences' own error, per tensor, relative to the gradient's scale.

    The central quotient's error is c h^2 (truncation) plus rounding ~eps |L| / h.
    Doubling h multiplies the first by 4, so |g(h) - g(2h)| ~ 3 c h^2: an
    estimate of how far g(h) itself can be from the true gradient (Richardson's
    idea). When that exceeds the 1e-7 bar - a gradient that is tiny against the
    loss's curvature or against the loss itself - the quotient cannot judge the
    analytic gradient to that bar, but it can still judge it to its own accuracy.
    """
    from handmade.model import MLP

    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    largest_loss = [0.0]

    def loss_of(_params):
        net.forward(X)
        value = net.loss(Y)
        largest_loss[0] = max(largest_loss[0], abs(value))
        return value

    fine = numeric_gradient(loss_of, net.params, STEP)
    coarse = numeric_gradient(loss_of, net.params, 2 * STEP)
    estimate = {}
    for key in fine:
        # Rounding: each loss value is off by ~eps |L|, so each quotient by ~eps |L| / h. It is
        # deterministic, so it can hide from the h-vs-2h comparison: add it explicitly.
        rounding = np.sqrt(fine[key].size) * np.finfo(np.float64).eps * largest_loss[0] / STEP
        scale = max(np.linalg.norm(analytic[key]), np.linalg.norm(fine[key]), 1e-300)
        estimate[key] = (np.linalg.norm(fine[key] - coarse[key]) + rounding) / scale
    return estimate


# Small nets: the check costs two forward passes per parameter. Input scales up to 1:
# at 1e3 the loss is ~1e6+ and h = 1e-5 is no longer small against its curvature.
@pytest.mark.parametrize("activation", SMOOTH_SPECS)
@given(data=st.data())
def test_finite_differences_agree_for_smooth_activations(activation, data):
    spec, X, Y, scale = data.draw(cases(max_width=8, max_depth=3, max_batch=8, activations=[activation],
                                        scales=(0.0, 1e-3, 1.0), dtypes=("float64",)), label="case")
    assume(Activation(spec.output_activation).smooth)
    note(f"{spec.label()}, batch {X.shape[0]}, input scale {scale:g}")
    X, Y = check_data(X, Y, spec.sizes, "float64")
    params = spec.init_params()
    checks = finite_difference_check(spec, X, Y, params)
    assert len(checks) == 2 * spec.n_layers and all(c.counted for c in checks)
    failing = [c for c in checks if not c.passed]
    event(f"finite differences within the bar: {len(checks) - len(failing)}/{len(checks)} tensors")
    if not failing:
        return
    from handmade.model import MLP

    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    net.forward(X)
    estimate = fd_error_estimate(spec, X, Y, params, net.backward(Y).params)
    for check in failing:
        key = check.name.split()[1]
        note(f"{check.name}: rel error {check.rel_error:.3g}, finite differences' own error ~{estimate[key]:.3g}")
        assert check.rel_error <= SPREAD_FACTOR * estimate[key], (
            f"{check.name}: analytic vs central difference {check.rel_error:.3g} (bar {check.tolerance:g}), but the "
            f"difference quotient is accurate to ~{estimate[key]:.3g}: a real disagreement")
