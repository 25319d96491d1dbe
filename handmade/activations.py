"""Activation functions and their derivatives with respect to the pre-activation.

Each activation is two functions: ``f(z, **params) -> a`` and
``df(z, a, **params) -> da/dz`` (element-wise, same shape and dtype as ``z``).
The derivative receives the output ``a`` too, because sigmoid and tanh are
cheapest, and bit-closest to torch autograd, written in terms of it.

Adding an activation is two functions and one registry line; the tests are
parametrised over ``ACTIVATIONS`` and pick it up without new test code.
(``handmade.fast.kernels`` has fused versions of a few, for the training step
of ``handmade.fast``; they are tested bit-equal to these.)

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

``softmax`` (exp(z_c) / sum_k exp(z_k) along each row) is not element-wise: it is only an
output activation, the link of the ``ce`` loss, which differentiates through it
(``OUTPUT_ONLY``; see ``handmade.losses``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .contract.errors import InvalidInput
from .contract.naming import canonical, resolve

_INV_SQRT2 = 1.0 / np.sqrt(2.0)
_INV_SQRT2PI = 1.0 / np.sqrt(2.0 * np.pi)


def identity(z):
    return z


def identity_grad(z, a):
    return np.ones_like(z)


def relu(z):
    return np.maximum(z, 0)


def relu_grad(z, a):
    # torch: threshold_backward(grad, z, 0) keeps the gradient where z > 0, so f'(0) = 0.
    return (z > 0).astype(z.dtype)


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


def _erf(x):
    # scipy is imported only when GELU is used: it would double the start-up time of every command.
    from scipy.special import erf

    return erf(x)


def gelu(z):
    return z * (0.5 * (1 + _erf(z * z.dtype.type(_INV_SQRT2))))


def gelu_grad(z, a):
    cdf = 0.5 * (1 + _erf(z * z.dtype.type(_INV_SQRT2)))
    pdf = np.exp(-0.5 * z * z) * z.dtype.type(_INV_SQRT2PI)
    return (cdf + z * pdf).astype(z.dtype, copy=False)


@dataclass(frozen=True)
class ActivationEntry:
    """One registry line: the function, its derivative, default parameters, smoothness."""

    f: callable
    df: callable
    defaults: dict = field(default_factory=dict)
    smooth: bool = True  # False: a kink at 0, where finite differences are unreliable


ACTIVATIONS: dict[str, ActivationEntry] = {
    "identity": ActivationEntry(identity, identity_grad),
    "relu": ActivationEntry(relu, relu_grad, smooth=False),
    "leaky_relu": ActivationEntry(leaky_relu, leaky_relu_grad, {"negative_slope": 0.01}, smooth=False),
    "sigmoid": ActivationEntry(sigmoid, sigmoid_grad),
    "tanh": ActivationEntry(tanh, tanh_grad),
    "elu": ActivationEntry(elu, elu_grad, {"alpha": 1.0}, smooth=False),
    "softplus": ActivationEntry(softplus, softplus_grad, {"beta": 1.0, "threshold": 20.0}),
    "gelu": ActivationEntry(gelu, gelu_grad),
}


def softmax(z):
    """Each row (the last axis) as probabilities: exp(z - max) / sum exp(z - max)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_grad(z, a):
    raise InvalidInput("softmax has no element-wise derivative: it is the output activation of the ce loss, which "
                       "differentiates through it (dL/dz = p - y)")


# Output activations that are not element-wise: allowed only as the link of a loss (handmade.losses),
# which differentiates through them, so their derivative is never taken alone.
OUTPUT_ONLY: dict[str, ActivationEntry] = {
    "softmax": ActivationEntry(softmax, _softmax_grad),
}


class Activation:
    """A resolved activation: ``Activation("leaky_relu(negative_slope=0.2)")``.

    ``act(z)`` applies it; ``act.grad(z, a)`` is ``da/dz`` element-wise (``a = act(z)``).
    Shape: any -> same shape; dtype preserved.
    """

    def __init__(self, spec: str | Activation):
        if isinstance(spec, Activation):
            spec = spec.spec
        self.name, self.params = resolve("activation", spec, {**ACTIVATIONS, **OUTPUT_ONLY})
        entry = ACTIVATIONS.get(self.name) or OUTPUT_ONLY[self.name]
        self.elementwise = self.name in ACTIVATIONS
        self.smooth = entry.smooth
        self._f, self._df = entry.f, entry.df

    @property
    def spec(self) -> str:
        """The canonical string; only non-default parameters are written."""
        return canonical(self.name, self.params, (ACTIVATIONS.get(self.name) or OUTPUT_ONLY[self.name]).defaults)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """f(z), element-wise."""
        return self._f(z, **self.params)

    def grad(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """f'(z), element-wise; ``a`` = f(z) (sigmoid and tanh are written in terms of it)."""
        return self._df(z, a, **self.params)

    def __repr__(self) -> str:
        return f"Activation({self.spec!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Activation) and (self.name, self.params) == (other.name, other.params)

    def __hash__(self) -> int:
        return hash(self.spec)
