"""Optimizers that follow ``torch.optim`` formula by formula (single-tensor code path).

All update the parameter dict in place: ``opt.step(grads)`` with ``grads`` keyed
like the parameters. Per parameter p with gradient g, at step t = 1, 2, ...:

SGD (``torch.optim.SGD``; note: not scikit-learn's rule, which scales velocity)::

    g = g + weight_decay * p                      if weight_decay
    b = g                                          at t = 1
    b = momentum * b + (1 - dampening) * g         at t > 1         (if momentum)
    g = g + momentum * b  if nesterov  else  b                      (if momentum)
    p = p - lr * g

Adam (``torch.optim.Adam``; eps is added *after* the bias-corrected sqrt)::

    g = g + weight_decay * p                      if weight_decay
    m = m + (1 - beta1) * (g - m)                 (torch's lerp)
    v = beta2 * v + ((1 - beta2) * g) * g         (torch's addcmul)
    p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / (1 - beta2^t)^0.5 + eps)

The last line keeps torch's order of operations (``addcdiv``: the scalar
times m first, then the division), so that float64 runs differ by rounding
alone. They are not bit-identical: torch's vectorised CPU kernels fuse
``p + alpha * g`` and ``lerp`` into one FMA (one rounding instead of two),
which NumPy cannot express; the difference is <= 1 ulp per update.

AdamW (``torch.optim.AdamW``): decoupled decay ``p = p * (1 - lr * weight_decay)``
first, then the Adam step without the decay term in g.

State names and shapes equal torch's (``momentum_buffer``; ``exp_avg``,
``exp_avg_sq``), so :meth:`Optimizer.snapshot` / :meth:`Optimizer.load_snapshot`
exchange state with ``torch_ref.optim.optimizer_state_numpy`` /
``load_optimizer_state`` (re-synchronisation of two runs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .contract.errors import InvalidInput
from .contract.naming import canonical, resolve


def copy_state(state: dict) -> dict:
    """A deep copy of a ``{key: {name: array}}`` optimizer state."""
    return {key: {name: np.array(arr) for name, arr in inner.items()} for key, inner in state.items()}


def learning_rate(value) -> float:
    """``value`` as a learning rate: a positive finite number, or an error that says so."""
    try:
        lr = float(value)
    except (TypeError, ValueError):
        lr = math.nan
    if isinstance(value, bool) or not math.isfinite(lr) or lr <= 0:
        raise InvalidInput(f"learning rate must be a positive finite number, got {value!r}")
    return lr


class Optimizer:
    """Base class: ``lr``, hyper-parameters, per-parameter ``state`` and a step counter."""

    def __init__(self, params: dict[str, np.ndarray], lr: float, **hyper):
        self.params = params
        self.lr = learning_rate(lr)
        self.hyper = hyper
        self.t = 0
        self.state: dict[str, dict[str, np.ndarray]] = {key: {} for key in params}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """One update of every parameter, in place; ``grads`` keyed like the parameters."""
        self.t += 1
        for key, p in self.params.items():
            self._update(p, grads[key], self.state[key])

    def snapshot(self) -> dict:
        """``{"t": steps taken, "state": {param: {buffer: array}}}``, deep-copied."""
        return {"t": self.t, "state": copy_state(self.state)}

    def load_snapshot(self, snapshot: dict) -> None:
        """Continue from a :meth:`snapshot` (copies it, so the snapshot stays untouched)."""
        missing = sorted(set(self.params) - set(snapshot["state"]))
        if missing:
            raise InvalidInput(f"optimizer snapshot has no state for {missing}")
        self.t = int(snapshot["t"])
        self.state = {key: {name: np.array(arr, dtype=self.params[key].dtype) for name, arr in
                            snapshot["state"][key].items()} for key in self.params}

    def _update(self, p, g, state):  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    def _update(self, p, g, state):
        momentum, dampening = self.hyper["momentum"], self.hyper["dampening"]
        nesterov, weight_decay = self.hyper["nesterov"], self.hyper["weight_decay"]
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                buf += (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p -= self.lr * g


class Adam(Optimizer):
    decoupled = False

    def _update(self, p, g, state):
        beta1, beta2 = self.hyper["beta1"], self.hyper["beta2"]
        eps, weight_decay = self.hyper["eps"], self.hyper["weight_decay"]
        if weight_decay:
            if self.decoupled:
                p *= 1 - self.lr * weight_decay
            else:
                g = g + weight_decay * p
        if not state:
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += ((1 - beta2) * g) * g
        step_size = self.lr / (1 - beta1**self.t)
        denom = np.sqrt(v) / (1 - beta2**self.t) ** 0.5 + eps
        p -= (step_size * m) / denom


class AdamW(Adam):
    decoupled = True


@dataclass(frozen=True)
class OptimizerEntry:
    cls: type
    defaults: dict = field(default_factory=dict)
    torch_name: str = ""
    description: str = ""


_SGD = {"momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0}
_ADAM = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}

OPTIMIZERS: dict[str, OptimizerEntry] = {
    "sgd": OptimizerEntry(SGD, _SGD, "SGD", "plain gradient descent p -= lr * g"),
    "momentum": OptimizerEntry(SGD, {**_SGD, "momentum": 0.9}, "SGD", "SGD with momentum 0.9"),
    "nesterov": OptimizerEntry(SGD, {**_SGD, "momentum": 0.9, "nesterov": True}, "SGD",
                               "SGD with Nesterov momentum 0.9"),
    "adam": OptimizerEntry(Adam, _ADAM, "Adam", "Adam"),
    "adamw": OptimizerEntry(AdamW, {**_ADAM, "weight_decay": 0.01}, "AdamW",
                            "Adam with decoupled weight decay 0.01"),
}


def resolve_optimizer(spec: str) -> tuple[str, dict]:
    """``"momentum(momentum=0.5)" -> ("momentum", {full hyper-parameters})``, validated."""
    name, hyper = resolve("optimizer", spec, OPTIMIZERS)
    _validate_hyper(name, hyper)
    return name, hyper


def canonical_optimizer(spec: str) -> str:
    name, hyper = resolve_optimizer(spec)
    return canonical(name, hyper, OPTIMIZERS[name].defaults)


def make_optimizer(spec: str, params: dict[str, np.ndarray], lr: float) -> Optimizer:
    """Build the optimizer named by ``spec`` (e.g. ``"adam(beta1=0.8)"``) over ``params``."""
    name, hyper = resolve_optimizer(spec)
    return OPTIMIZERS[name].cls(params, lr, **hyper)


def _validate_hyper(name, hyper):
    for key in ("momentum", "dampening", "beta1", "beta2"):
        if key in hyper and not 0 <= hyper[key] < (1 if key.startswith("beta") else math.inf):
            raise InvalidInput(f"optimizer {name!r}: {key} must be >= 0 (and < 1 for betas), got {hyper[key]:g}")
    for key in ("eps", "weight_decay"):
        if key in hyper and hyper[key] < 0:
            raise InvalidInput(f"optimizer {name!r}: {key} must be >= 0, got {hyper[key]:g}")
    if hyper.get("nesterov") and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
        raise InvalidInput("Nesterov momentum requires momentum > 0 and dampening = 0 (as in torch)")
