"""This project's protocol: ``params`` dict in torch layout, ``forward(X)``, ``backward(Y)``."""

from __future__ import annotations

import functools
import inspect

import numpy as np

from compare.check.adapters.base import Adapter, Instance
from compare.check.user_calls import Outcome


class ProtocolAdapter(Adapter):
    """This project's protocol: ``params`` dict in torch layout, ``forward(X)``, ``backward(Y)``."""

    interface = "protocol"

    def construction_text(self) -> str:
        n = self.net
        return (f"{self.cls.__name__}(sizes={n.sizes}, activation={n.activation!r}, "
                f"output_activation={n.output_activation!r}, loss={n.loss!r})")

    def build(self) -> Outcome:
        n = self.net
        kwargs = {"sizes": n.sizes, "activation": n.activation, "output_activation": n.output_activation,
                  "loss": n.loss}
        if _accepts(self.cls, "dtype"):
            kwargs["dtype"] = n.dtype
        outcome = self.calls.call(self.construction_text(), functools.partial(self.cls, **kwargs))
        if not outcome.ok:
            return self.construction_failure(outcome)
        if not isinstance(getattr(outcome.value, "params", None), dict):
            return Outcome(error="the object has no dict attribute 'params' (torch state_dict keys and shapes)")
        return Outcome(value=Instance(outcome.value))

    def user_shape(self, key: str) -> tuple[int, ...]:
        return self.torch_shapes[key]

    def to_torch(self, key: str, arr: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(arr.reshape(self.user_shape(key)))

    def set_params(self, inst: Instance, params: dict[str, np.ndarray]) -> None:
        for key in self.keys:  # replace the values, keep the dict (an optimizer may hold it)
            inst.obj.params[key] = np.array(params[key], copy=True)

    def get_params(self, inst: Instance) -> dict[str, np.ndarray] | None:
        try:
            out = {k: np.array(inst.obj.params[k], dtype=np.float64) for k in self.keys}
        except Exception:
            return None
        return out if all(out[k].shape == self.user_shape(k) for k in self.keys) else None

    def backward(self, inst: Instance, X, Y, output) -> Outcome:
        outcome = self.call_method(inst, "backward", Y)
        if not outcome.ok:
            return outcome
        grads = outcome.value
        grads = getattr(grads, "params", grads)
        if not isinstance(grads, dict):
            return Outcome(error=f"backward returned {type(outcome.value).__name__}; the protocol returns a "
                                 f"dict keyed like params", stdout=outcome.stdout)
        return Outcome(value={k: grads.get(k) for k in self.keys}, stdout=outcome.stdout)

    def train(self, inst: Instance, X, Y, epochs: int, lr: float) -> Outcome:
        """The class's own train if it has one; else plain SGD p -= lr * g over its forward/backward."""
        if callable(getattr(inst.obj, "train", None)):
            return self.call_train(inst, X, Y, epochs, lr)
        losses = []
        for _ in range(epochs):
            out = self.forward(inst, X)
            if not out.ok:
                return out
            if callable(getattr(inst.obj, "loss", None)):
                value = self.call_method(inst, "loss", Y)
                if value.ok:
                    losses.append(value.value)
            grads = self.backward(inst, X, Y, out.value)
            if not grads.ok:
                return grads
            for key in self.keys:
                inst.obj.params[key] = inst.obj.params[key] - lr * np.asarray(grads.value[key])
        return Outcome(value=losses if losses else None)


def _accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
