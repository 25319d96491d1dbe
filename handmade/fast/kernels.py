"""Fused activation kernels: f(z) into a reused buffer, and dz = da * f'(z) in one pass.

``activate(act, z, out)`` and ``chain(act, da, z, a, out)`` use a kernel where one is
registered and fall back to the readable ``act(z)`` / ``da * act.grad(z, a)`` otherwise.
Every kernel gives the same bits as the readable form: ReLU multiplies by the boolean
mask ``z > 0`` (bool -> 1.0/0.0 inside the multiply, as ``relu_grad`` returns), identity
returns ``da`` itself (``da * 1.0 == da``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..activations import Activation


def relu_into(z, out):
    return np.maximum(z, 0, out=out)


def relu_chain(da, z, a, out=None):
    return np.multiply(da, z > 0, out=out)


def identity_chain(da, z, a, out=None):
    if out is None or out is da:
        return da
    np.copyto(out, da)
    return out


@dataclass(frozen=True)
class Kernel:
    chain: callable                # (da, z, a, out=None) -> da * f'(z)
    into: callable | None = None   # (z, out) -> f(z) written into out


KERNELS: dict[str, Kernel] = {
    "relu": Kernel(chain=relu_chain, into=relu_into),
    "identity": Kernel(chain=identity_chain),
}


def activate(act: Activation, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """f(z), written into ``out`` where a kernel can (ReLU); always use the return value."""
    kernel = KERNELS.get(act.name)
    if out is None or kernel is None or kernel.into is None:
        return act(z)
    return kernel.into(z, out)


def chain(act: Activation, da: np.ndarray, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """dz = da * f'(z), element-wise; written into ``out`` when given (may be ``da`` itself)."""
    kernel = KERNELS.get(act.name)
    if kernel is not None:
        return kernel.chain(da, z, a, out=out)
    return np.multiply(da, act.grad(z, a), out=out)
