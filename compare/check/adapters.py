"""Adapters: drive someone else's network class through one uniform interface.

Two interfaces are understood:

* **lesson** - the classic course-notebook class::

      net = Cls(input_size, hidden_size, output_size)   # attributes W1, b1, W2, b2
      s = net.forward(X)                                # (N, out)
      dW1, db1, dW2, db2 = net.backward(X, Y, s)
      net.train(X, Y, num_epochs, learning_rate)

  Weights are stored (in, out) and used as ``X @ W1 + b1``, biases as (1, n)
  rows. The adapter reads the layout from the shapes the constructor made
  ((in, out) or torch's (out, in); bias (1, n), (n,) or (n, 1)) and converts
  to and from the torch layout, so the checker always compares torch-layout
  arrays. A ``backward`` that also updates the weights (or only updates them)
  is handled: the weights are restored and the update is reported.

* **protocol** - this project's own interface (``handmade.MLP`` implements it)::

      net = Cls(sizes=(30, 16, 3), activation="relu", output_activation="identity", loss="mse")
      net.params                                  # dict, torch state_dict keys and shapes
      s = net.forward(X)                          # (N, out), caches what backward needs
      grads = net.backward(Y)                     # dict keyed like params (or an object with .params)
      net.train(X, Y, num_epochs, learning_rate)  # optional; else the checker's SGD drives it

Every call into the user's code goes through :class:`~compare.check.user_calls.UserCalls`:
exceptions (``sys.exit`` too), calls that exceed the time limit, printed output and
warnings are captured and become findings; the checker never crashes or hangs because
the code under test does.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field

import numpy as np

from compare.check.loading import LoadedClass, guess_interface
from compare.check.user_calls import Outcome, UserCalls
from handmade.contract.errors import InvalidInput
from handmade.contract.keys import param_shapes

# The learning rate passed to a backward(X, Y, output, learning_rate) that updates the weights
# itself: with 1.0 the update is minus the gradient, so the gradient can be read back from it.
PROBE_LR = 1.0


@dataclass
class Network:
    """A model under test: the ``sizes``, the settings it is built with, and its display names."""

    sizes: tuple[int, ...]
    activation: str
    output_activation: str
    loss: str
    dtype: str


@dataclass
class Instance:
    """One constructed object plus what the adapter learned about it."""

    obj: object
    notes: list[str] = field(default_factory=list)


class Adapter:
    """Common interface; params and gradients always cross it in torch layout."""

    interface = "?"

    def __init__(self, loaded: LoadedClass, net: Network, calls: UserCalls | None = None):
        self.cls = loaded.cls
        self.net = net
        self.calls = calls if calls is not None else UserCalls(loaded.source)
        self.torch_shapes = param_shapes(net.sizes)  # torch layout: layers.l.weight (out, in), .bias (out,)
        self.keys = list(self.torch_shapes)

    def call_method(self, inst: Instance, method: str, *args) -> Outcome:
        """``inst.obj.<method>(*args)``; a missing method is an AttributeError in the outcome, not a crash."""
        return self.calls.call(method, lambda: getattr(inst.obj, method)(*args))

    def call_train(self, inst: Instance, X, Y, epochs: int, lr: float) -> Outcome:
        """``inst.obj.train(X, Y, epochs, lr)``; not made if train timed out before with as many epochs or fewer."""
        return self.calls.call(f"train(X, Y, {epochs}, {lr:g})", lambda: inst.obj.train(X, Y, epochs, lr),
                               group="train", size=epochs)

    def name(self, key: str) -> str:
        return key

    def forward(self, inst: Instance, X: np.ndarray) -> Outcome:
        return self.call_method(inst, "forward", X)

    def construction_failure(self, outcome: Outcome) -> Outcome | None:
        """The failure ``build`` reports when the constructor raised or timed out, else None."""
        if outcome.ok:
            return None
        if outcome.timed_out:
            return outcome
        return Outcome(error=f"{self.construction_text()} raised {outcome.error}")

    # Subclasses: build (-> Outcome whose value is an Instance), set_params, get_params, backward,
    # train, construction_text.


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


def make_adapter(interface: str, loaded: LoadedClass, net: Network, calls: UserCalls | None = None) -> Adapter:
    """The adapter for ``interface`` ('auto' guesses); ``calls`` makes the calls (shared across dtypes)."""
    if interface == "auto":
        interface = guess_interface(loaded.cls)
    return {"lesson": LessonAdapter, "protocol": ProtocolAdapter}[interface](loaded, net, calls)
