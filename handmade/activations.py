"""Activation functions and their derivatives with respect to the pre-activation.

Each activation is two functions: ``f(z, **params) -> a`` and
``df(z, a, **params) -> da/dz`` (element-wise, same shape and dtype as ``z``).
The derivative receives the output ``a`` too, because sigmoid and tanh are
cheapest, and bit-closest to torch autograd, written in terms of it.

Adding an activation is two functions and one registry line; the tests are
parametrised over ``ACTIVATIONS`` and pick it up without new test code.

Backward needs ``dz = da * f'(z)``. ``act.chain(da, z, a, out=None)`` computes
that product; by default as ``da * df(z, a)``, but an entry may give a fused
version that skips the temporary f'(z) array (ReLU multiplies by the boolean
mask ``z > 0`` directly; identity returns ``da``). A fused version must give
the same bits as the default (``da * 1.0`` and ``da * 0.0`` are what the mask
multiplies by); the tests check it for every entry. Likewise ``act(z, out=buf)``
writes f(z) into a reused buffer where the entry gives an ``into`` function
(ReLU), so the training step allocates no fresh (N, out) array per layer.

Conventions (all follow torch autograd, checked by the tests):

==========  ===============================================  =====================
name        f(z)                                             f'(0)
==========  ===============================================  =====================
identity    z                                                1
relu        max(z, 0)                                        0
leaky_relu  z if z > 0 else negative_slope * z               negative_slope
sigmoid     1 / (1 + exp(-z)), computed without overflow     0.25
tanh        tanh(z)                                          1
elu         z if z > 0 else alpha * (exp(z) - 1)             alpha
softplus    log(1 + exp(beta z)) / beta; z if beta z > 20    0.5
gelu        z * Phi(z) = z/2 * (1 + erf(z / sqrt 2))         0.5
==========  ===============================================  =====================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import erf

from .errors import unknown_name
from .naming import check_params, format_named, parse_named

_INV_SQRT2 = 1.0 / np.sqrt(2.0)
_INV_SQRT2PI = 1.0 / np.sqrt(2.0 * np.pi)


def identity(z):
    return z


def identity_grad(z, a):
    return np.ones_like(z)


def identity_chain(da, z, a, out=None):
    # da * 1 == da: no arithmetic at all (a copy only when an output buffer is given).
    if out is None or out is da:
        return da
    np.copyto(out, da)
    return out


def relu(z):
    return np.maximum(z, 0)


def relu_grad(z, a):
    # torch: threshold_backward(grad, z, 0) keeps the gradient where z > 0, so f'(0) = 0.
    return (z > 0).astype(z.dtype)


def relu_into(z, out):
    # f(z) written into a buffer the caller reuses (MLP.train_step): no fresh (N, out) array per step.
    return np.maximum(z, 0, out=out)


def relu_chain(da, z, a, out=None):
    # One pass, no float copy of the mask: bool -> 1.0/0.0 inside the multiply.
    return np.multiply(da, z > 0, out=out)


def leaky_relu(z, negative_slope=0.01):
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))


def leaky_relu_grad(z, a, negative_slope=0.01):
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(negative_slope))


def sigmoid(z):
    # exp(-|z|) never overflows; for z < 0, 1/(1+exp(-z)) = exp(z)/(1+exp(z)).
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(z, a):
    return a * (1 - a)


def tanh(z):
    return np.tanh(z)


def tanh_grad(z, a):
    return 1 - a * a


def elu(z, alpha=1.0):
    # expm1 of min(z, 0): exp is only ever taken of non-positive numbers.
    return np.where(z > 0, z, z.dtype.type(alpha) * np.expm1(np.minimum(z, 0)))


def elu_grad(z, a, alpha=1.0):
    # torch: z <= 0 -> alpha * exp(z), so f'(0) = alpha.
    return np.where(z > 0, z.dtype.type(1), z.dtype.type(alpha) * np.exp(np.minimum(z, 0)))


def softplus(z, beta=1.0, threshold=20.0):
    bz = z * z.dtype.type(beta)
    linear = bz > threshold
    # Clipping keeps exp finite on the branch np.where throws away.
    soft = np.log1p(np.exp(np.minimum(bz, threshold))) / z.dtype.type(beta)
    return np.where(linear, z, soft)


def softplus_grad(z, a, beta=1.0, threshold=20.0):
    bz = z * z.dtype.type(beta)
    e = np.exp(np.minimum(bz, threshold))
    return np.where(bz > threshold, z.dtype.type(1), e / (e + 1))


def gelu(z):
    return z * (0.5 * (1 + erf(z * z.dtype.type(_INV_SQRT2))))


def gelu_grad(z, a):
    cdf = 0.5 * (1 + erf(z * z.dtype.type(_INV_SQRT2)))
    pdf = np.exp(-0.5 * z * z) * z.dtype.type(_INV_SQRT2PI)
    return (cdf + z * pdf).astype(z.dtype, copy=False)


@dataclass(frozen=True)
class ActivationEntry:
    """One registry line: the function, its derivative, default parameters, smoothness."""

    f: callable
    df: callable
    defaults: dict = field(default_factory=dict)
    smooth: bool = True  # False: a kink at 0, where finite differences are unreliable
    chain: callable = None  # fused (da, z, a, out=None, **params) -> da * df(z, a); None: the default
    into: callable = None  # (z, out, **params) -> f(z) written into out; None: f(z) returns a new array


ACTIVATIONS: dict[str, ActivationEntry] = {
    "identity": ActivationEntry(identity, identity_grad, chain=identity_chain),
    "relu": ActivationEntry(relu, relu_grad, smooth=False, chain=relu_chain, into=relu_into),
    "leaky_relu": ActivationEntry(leaky_relu, leaky_relu_grad, {"negative_slope": 0.01}, smooth=False),
    "sigmoid": ActivationEntry(sigmoid, sigmoid_grad),
    "tanh": ActivationEntry(tanh, tanh_grad),
    "elu": ActivationEntry(elu, elu_grad, {"alpha": 1.0}, smooth=False),
    "softplus": ActivationEntry(softplus, softplus_grad, {"beta": 1.0, "threshold": 20.0}),
    "gelu": ActivationEntry(gelu, gelu_grad),
}


class Activation:
    """A resolved activation: ``Activation("leaky_relu(negative_slope=0.2)")``.

    ``act(z)`` applies it; ``act.grad(z, a)`` is ``da/dz`` element-wise;
    ``act.chain(da, z, a)`` is ``da * act.grad(z, a)`` (backward's dz), fused
    where the registry provides it; ``out=`` may be ``da`` itself (in place).
    Shape: any -> same shape; dtype preserved.
    """

    def __init__(self, spec: str | Activation):
        if isinstance(spec, Activation):
            spec = spec.spec
        name, given = parse_named(spec)
        if name not in ACTIVATIONS:
            raise unknown_name("activation", name, ACTIVATIONS)
        entry = ACTIVATIONS[name]
        self.name = name
        self.params = check_params("activation", name, given, entry.defaults)
        self.smooth = entry.smooth
        self._f, self._df, self._chain, self._into = entry.f, entry.df, entry.chain, entry.into

    @property
    def spec(self) -> str:
        """The canonical string; only non-default parameters are written."""
        entry = ACTIVATIONS[self.name]
        changed = {k: v for k, v in self.params.items() if entry.defaults.get(k) != v}
        return format_named(self.name, changed)

    def __call__(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """f(z). ``out``: a buffer to write into where the entry can (ReLU); otherwise a new
        array is returned - always use the return value."""
        if out is None or self._into is None:
            return self._f(z, **self.params)
        return self._into(z, out, **self.params)

    def grad(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return self._df(z, a, **self.params)

    def chain(self, da: np.ndarray, z: np.ndarray, a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """dz = da * f'(z), element-wise; written into ``out`` when given (may be ``da``)."""
        if self._chain is not None:
            return self._chain(da, z, a, out=out, **self.params)
        return np.multiply(da, self._df(z, a, **self.params), out=out)

    def __repr__(self) -> str:
        return f"Activation({self.spec!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Activation) and (self.name, self.params) == (other.name, other.params)

    def __hash__(self) -> int:
        return hash(self.spec)
