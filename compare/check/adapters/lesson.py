"""The lesson interface: ``Cls(input_size, hidden_size, output_size)`` with W1, b1, W2, b2."""

from __future__ import annotations

import inspect

import numpy as np

from compare.check.adapters.base import Adapter, Instance, Network
from compare.check.loading import LoadedClass
from compare.check.user_calls import Outcome, UserCalls
from handmade.contract.errors import InvalidInput

# The learning rate passed to a backward(X, Y, output, learning_rate) that updates the weights
# itself: with 1.0 the update is minus the gradient, so the gradient can be read back from it.
PROBE_LR = 1.0


class LessonAdapter(Adapter):
    """``Cls(input_size, hidden_size, output_size)`` with W1, b1, W2, b2 (see the module docstring)."""

    interface = "lesson"

    def __init__(self, loaded: LoadedClass, net: Network, calls: UserCalls | None = None):
        super().__init__(loaded, net, calls)
        if len(net.sizes) != 3:
            raise InvalidInput("the lesson interface has exactly one hidden layer (sizes in, hidden, out)")
        self.attrs = {"layers.0.weight": "W1", "layers.0.bias": "b1", "layers.1.weight": "W2", "layers.1.bias": "b2"}
        self.weight_layout = "in_out"   # (in, out) as X @ W; or "out_in" as torch
        self.bias_layout = "row"        # (1, n); or "flat" (n,), or "column" (n, 1)

    def name(self, key: str) -> str:
        return self.attrs[key]

    def construction_text(self) -> str:
        n_in, n_hidden, n_out = self.net.sizes
        return f"{self.cls.__name__}({n_in}, {n_hidden}, {n_out})"

    def build(self) -> Outcome:
        """Construct, then learn the weight and bias layout from the shapes the constructor made."""
        n_in, n_hidden, n_out = self.net.sizes
        outcome = self.calls.call(self.construction_text(), self.cls, n_in, n_hidden, n_out)
        if not outcome.ok:
            return self.construction_failure(outcome)
        obj = outcome.value
        missing = [a for a in self.attrs.values() if not hasattr(obj, a)]
        if missing:
            return Outcome(error=f"after {self.construction_text()} the object has no attribute(s) "
                                 f"{', '.join(missing)}: the lesson interface keeps the weights in W1, b1, W2, b2")
        w1 = np.shape(obj.W1)
        if w1 == (n_in, n_hidden):
            self.weight_layout = "in_out"
        elif w1 == (n_hidden, n_in):
            self.weight_layout = "out_in"
        else:
            return Outcome(error=f"W1 has shape {w1}; expected ({n_in}, {n_hidden}) for a "
                                 f"{n_in}-{n_hidden}-{n_out} network")
        b1 = np.shape(obj.b1)
        layouts = {(1, n_hidden): "row", (n_hidden,): "flat", (n_hidden, 1): "column"}
        if b1 not in layouts:
            return Outcome(error=f"b1 has shape {b1}; expected (1, {n_hidden}) or ({n_hidden},)")
        self.bias_layout = layouts[b1]
        return Outcome(value=Instance(obj))

    def user_shape(self, key: str) -> tuple[int, ...]:
        """The shape the user's class keeps (and should return the gradient of) ``key`` in."""
        l = int(key.split(".")[1])
        n_in, n_out = self.net.sizes[l], self.net.sizes[l + 1]
        if key.endswith("weight"):
            return (n_in, n_out) if self.weight_layout == "in_out" else (n_out, n_in)
        return {"row": (1, n_out), "flat": (n_out,), "column": (n_out, 1)}[self.bias_layout]

    def to_user(self, key: str, arr: np.ndarray) -> np.ndarray:
        if key.endswith("weight"):
            arr = arr.T if self.weight_layout == "in_out" else arr
        return np.array(arr.reshape(self.user_shape(key)), copy=True)

    def to_torch(self, key: str, arr: np.ndarray) -> np.ndarray:
        """A user-layout array (of the expected shape) in torch layout."""
        if key.endswith("weight"):
            return np.ascontiguousarray(arr.T if self.weight_layout == "in_out" else arr)
        return np.ascontiguousarray(arr.reshape(-1))

    def set_params(self, inst: Instance, params: dict[str, np.ndarray]) -> None:
        for key, attr in self.attrs.items():
            setattr(inst.obj, attr, self.to_user(key, np.asarray(params[key])))

    def get_params(self, inst: Instance) -> dict[str, np.ndarray] | None:
        out = {}
        for key, attr in self.attrs.items():
            try:
                arr = np.array(getattr(inst.obj, attr), dtype=np.float64)  # a copy: backward may update in place
            except Exception:  # the attribute was replaced by something that is not numeric
                return None
            if arr.shape != self.user_shape(key):
                return None
            out[key] = self.to_torch(key, arr)
        return out

    def backward(self, inst: Instance, X, Y, output) -> Outcome:
        """Call backward(X, Y, output[, learning_rate]); value: dict key -> array as returned (user layout).

        If backward changed the weights, they are restored; if it returned nothing but updated
        with a learning rate it was given, the gradient is read back from the update.
        """
        takes_lr = _takes_learning_rate(getattr(inst.obj, "backward", None))
        before = self.get_params(inst)
        outcome = self.call_method(inst, "backward", X, Y, output, *([PROBE_LR] if takes_lr else []))
        after = self.get_params(inst)
        updated = before is not None and after is not None and any(
            not np.array_equal(before[k], after[k]) for k in before)
        if updated:
            self.set_params(inst, before)
        if not outcome.ok:
            return outcome
        returned = outcome.value
        grads = None
        if isinstance(returned, (tuple, list)) and len(returned) == 4:
            grads = dict(zip(self.keys, returned))
        elif isinstance(returned, dict):
            grads = _grads_from_dict(returned, self.attrs)
        if updated:
            if grads is not None:
                inst.notes.append("backward also updates the weights (it should only return the gradients; "
                                  "the checker restored them)")
            elif takes_lr:
                grads = {k: self.to_user(k, (before[k] - after[k]) / PROBE_LR) for k in self.keys}
                inst.notes.append(f"backward returns nothing and updates the weights itself; the gradients were "
                                  f"read back from its update with learning_rate={PROBE_LR:g}")
        if grads is None:
            kind = type(returned).__name__
            size = f" of length {len(returned)}" if isinstance(returned, (tuple, list)) else ""
            return Outcome(error=f"backward returned {kind}{size}; the lesson interface returns "
                                 f"(dW1, db1, dW2, db2)", stdout=outcome.stdout)
        return Outcome(value=grads, stdout=outcome.stdout)

    def train(self, inst: Instance, X, Y, epochs: int, lr: float) -> Outcome:
        if not callable(getattr(inst.obj, "train", None)):
            return Outcome(error="the class has no train(X, Y, num_epochs, learning_rate) method")
        return self.call_train(inst, X, Y, epochs, lr)


def _takes_learning_rate(method) -> bool:
    """backward(X, Y, output, learning_rate): a fourth parameter whose name says learning rate."""
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return False
    return len(params) >= 4 and ("lr" in params[3].name.lower() or "learn" in params[3].name.lower())


def _grads_from_dict(returned: dict, attrs: dict[str, str]) -> dict | None:
    """{"dW1": ..., "db1": ...} or {"W1": ...}: accept either spelling."""
    out = {}
    for key, attr in attrs.items():
        for spelling in (f"d{attr}", attr, key):
            if spelling in returned:
                out[key] = returned[spelling]
                break
        else:
            return None
    return out
