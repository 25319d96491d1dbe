"""Weight initialisers over a torch-layout weight of shape (out, in) and its bias (out,).

Every initialiser is ``init(rng, out_features, in_features, **params) -> (W, b)``
drawn from a ``numpy.random.Generator``, in float64 (the model casts). Fans are
computed as ``torch.nn.init._calculate_fan_in_and_fan_out`` does for a 2-D
weight: ``fan_in = in_features``, ``fan_out = out_features``.

===============  ==================================================  ======================
name             weight                                              bias
===============  ==================================================  ======================
zeros            0                                                   0
constant         value                                               value
normal           N(0, std^2)                                         N(0, std^2)
uniform          U(a, b)                                             U(a, b)
standard_normal  N(0, 1)  (the lesson's first try)                   N(0, 1)
lecun_normal     N(0, 1/fan_in)  (the lesson's second try)           0
xavier_uniform   U(-g sqrt(6/(fan_in+fan_out)), +...)                0
xavier_normal    N(0, g^2 * 2/(fan_in+fan_out))                      0
kaiming_uniform  U(-g sqrt(3/fan), +...), g = sqrt(2) for relu       0
kaiming_normal   N(0, g^2/fan)                                       0
orthogonal       g * Q from the QR of a Gaussian matrix              0
torch_default    U(-1/sqrt(fan_in), +1/sqrt(fan_in))                 U(-1/sqrt(fan_in), ...)
===============  ==================================================  ======================

``torch_default`` is ``nn.Linear.reset_parameters``: kaiming_uniform with
``a = sqrt(5)``, i.e. gain sqrt(1/3), which gives the bound 1/sqrt(fan_in), and
the same bound for the bias. The distributions match torch; the random
streams do not (numpy and torch generators differ), which is why both models
start from the one parameter dict made here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .contract.errors import InvalidInput
from .contract.keys import layer_keys
from .contract.naming import canonical, resolve


def zeros(rng, n_out, n_in):
    return np.zeros((n_out, n_in)), np.zeros(n_out)


def constant(rng, n_out, n_in, value=0.01):
    return np.full((n_out, n_in), float(value)), np.full(n_out, float(value))


def normal(rng, n_out, n_in, std=0.1):
    return rng.normal(0.0, std, (n_out, n_in)), rng.normal(0.0, std, n_out)


def uniform(rng, n_out, n_in, a=-0.1, b=0.1):
    return rng.uniform(a, b, (n_out, n_in)), rng.uniform(a, b, n_out)


def standard_normal(rng, n_out, n_in):
    return rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)


def lecun_normal(rng, n_out, n_in):
    return rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in)), np.zeros(n_out)


def xavier_uniform(rng, n_out, n_in, gain=1.0):
    bound = gain * np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-bound, bound, (n_out, n_in)), np.zeros(n_out)


def xavier_normal(rng, n_out, n_in, gain=1.0):
    std = gain * np.sqrt(2.0 / (n_in + n_out))
    return rng.normal(0.0, std, (n_out, n_in)), np.zeros(n_out)


def _kaiming_std(n_out, n_in, a, fan_out):
    """torch.nn.init.calculate_gain('leaky_relu', a) / sqrt(fan); a = 0 is relu."""
    fan = n_out if fan_out else n_in
    return np.sqrt(2.0 / (1.0 + a * a)) / np.sqrt(fan)


def kaiming_uniform(rng, n_out, n_in, a=0.0, fan_out=False):
    bound = np.sqrt(3.0) * _kaiming_std(n_out, n_in, a, fan_out)
    return rng.uniform(-bound, bound, (n_out, n_in)), np.zeros(n_out)


def kaiming_normal(rng, n_out, n_in, a=0.0, fan_out=False):
    return rng.normal(0.0, _kaiming_std(n_out, n_in, a, fan_out), (n_out, n_in)), np.zeros(n_out)


def orthogonal(rng, n_out, n_in, gain=1.0):
    # As torch.nn.init.orthogonal_: QR of a tall Gaussian matrix, signs fixed by diag(R).
    flat = rng.standard_normal((n_out, n_in))
    if n_out < n_in:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if n_out < n_in:
        q = q.T
    return gain * q, np.zeros(n_out)


def torch_default(rng, n_out, n_in):
    bound = 1.0 / np.sqrt(n_in)
    return rng.uniform(-bound, bound, (n_out, n_in)), rng.uniform(-bound, bound, n_out)


@dataclass(frozen=True)
class InitEntry:
    f: callable
    defaults: dict = field(default_factory=dict)


INITIALISERS: dict[str, InitEntry] = {
    "zeros": InitEntry(zeros),
    "constant": InitEntry(constant, {"value": 0.01}),
    "normal": InitEntry(normal, {"std": 0.1}),
    "uniform": InitEntry(uniform, {"a": -0.1, "b": 0.1}),
    "standard_normal": InitEntry(standard_normal),
    "lecun_normal": InitEntry(lecun_normal),
    "xavier_uniform": InitEntry(xavier_uniform, {"gain": 1.0}),
    "xavier_normal": InitEntry(xavier_normal, {"gain": 1.0}),
    "kaiming_uniform": InitEntry(kaiming_uniform, {"a": 0.0, "fan_out": False}),
    "kaiming_normal": InitEntry(kaiming_normal, {"a": 0.0, "fan_out": False}),
    "orthogonal": InitEntry(orthogonal, {"gain": 1.0}),
    "torch_default": InitEntry(torch_default),
}


class Initialiser:
    """A resolved initialiser: ``Initialiser("normal(std=0.05)")(rng, 16, 30) -> (W, b)``."""

    def __init__(self, spec: str | Initialiser):
        if isinstance(spec, Initialiser):
            spec = spec.spec
        self.name, self.params = resolve("initialiser", spec, INITIALISERS)
        name = self.name
        for key in ("std", "gain"):
            if key in self.params and self.params[key] <= 0:
                raise InvalidInput(f"initialiser {name!r}: {key} must be > 0, got {self.params[key]:g}")
        if name == "uniform" and not self.params["a"] < self.params["b"]:
            raise InvalidInput(f"uniform initialiser needs a < b, got a={self.params['a']:g}, b={self.params['b']:g}")

    @property
    def spec(self) -> str:
        return canonical(self.name, self.params, INITIALISERS[self.name].defaults)

    def __call__(self, rng: np.random.Generator, n_out: int, n_in: int):
        return INITIALISERS[self.name].f(rng, n_out, n_in, **self.params)

    def __repr__(self) -> str:
        return f"Initialiser({self.spec!r})"


def init_params(sizes, init="torch_default", seed=0, dtype="float64", bias: bool = True) -> dict[str, np.ndarray]:
    """Initial parameters for layer sizes ``[n0, n1, ..., nL]``, in torch layout.

    Keys and shapes equal ``torch_ref.TorchMLP(...).state_dict()``:
    ``layers.{i}.weight`` (n_{i+1}, n_i) and ``layers.{i}.bias`` (n_{i+1},).
    Layers are drawn in order, weight before bias, from ``default_rng(seed)``,
    so one seed fixes every number. ``bias=False`` leaves the biases out (the weights are the same
    numbers as with biases: the biases are still drawn, then dropped).
    """
    initialiser, bias_too = Initialiser(init), bias
    rng = np.random.default_rng(seed)
    params = {}
    for (w_key, b_key), n_in, n_out in zip(layer_keys(len(sizes) - 1), sizes[:-1], sizes[1:]):
        weight, bias = initialiser(rng, n_out, n_in)
        params[w_key] = np.ascontiguousarray(weight, dtype=dtype)
        if bias_too:
            params[b_key] = np.ascontiguousarray(bias, dtype=dtype)
    return params
