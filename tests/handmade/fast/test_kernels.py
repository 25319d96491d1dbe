"""The fused activation kernels give the bits of the readable ``da * f'(z)`` and ``f(z)``, every activation."""

from __future__ import annotations

import numpy as np
import pytest

from handmade.activations import ACTIVATIONS, Activation
from handmade.fast.kernels import KERNELS, activate, chain


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_fused_chain_equals_da_times_grad(name):
    act = Activation(name)
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(size=(4, 7)) * 3, np.zeros((1, 7))])  # exact zeros: the kinks
    a = act(z)
    da = rng.normal(size=z.shape)
    expected = da * act.grad(z, a)
    assert np.array_equal(chain(act, da, z, a), expected)
    inplace = da.copy()
    assert chain(act, inplace, z, a, out=inplace) is inplace
    assert np.array_equal(inplace, expected)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_with_an_output_buffer_gives_the_same_bits(name):
    act = Activation(name)
    rng = np.random.default_rng(1)
    z = np.concatenate([rng.normal(size=(4, 5)) * 3, np.zeros((1, 5))])
    buffer = np.full_like(z, np.nan)
    a = activate(act, z, out=buffer)
    assert np.array_equal(a, act(z))
    if name in KERNELS and KERNELS[name].into is not None:
        assert a is buffer  # written in place: no fresh array per step
