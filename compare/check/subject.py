"""The class under test as the checks see it: arrays in torch layout, outcomes, and how it was understood.

A :class:`Subject` wraps the link to the process running the user's code and the plan discovery
found (``compare.sandbox.plan``). Parameters and gradients cross it in torch layout (the plan's
``ParamLayout`` converts), every call returns an ``Outcome``, and a call that timed out is not
made again, nor a larger one of its kind (``train`` for 10 epochs after ``train`` for 1 timed out):
a hanging method costs the time limit about once per check, not once per check line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from compare.check.texts import say
from compare.sandbox.calling import PER_SAMPLE
from compare.sandbox.calls import Outcome, not_called
from compare.sandbox.layout import ParamLayout
from compare.sandbox.plan import describe
from handmade.losses import get_loss


@dataclass
class Instance:
    """One object built in the user's process (by its handle), and what its calls told us."""

    handle: int
    flags: set[str] = field(default_factory=set)   # "updates", "out_of_order", "overwrote_output"
    order: list[str] = field(default_factory=list)  # the keys in the order the gradients came back, if unusual


def short_names(layouts: list[ParamLayout]) -> dict[str, str]:
    """The user's name of each parameter: the last step of its place (``W1``) when that is unique, else the place."""
    last = {p.key: str(p.paths[0][-1][1]) if p.paths else p.name for p in layouts}
    counts = {name: list(last.values()).count(name) for name in last.values()}
    return {key: (name if counts[name] == 1 and not name.isdigit() else layout.name)
            for (key, name), layout in zip(last.items(), layouts)}


NO_OBJECT = say("call.no_object")


def needs_object(method):
    """Subject methods on an object that could not be built (it raised, or the time ran out) fail as a call does."""
    @functools.wraps(method)
    def guarded(self, inst, *args, **kwargs):
        if inst is None:
            return None if method.__name__ == "get_params" else Outcome(error=NO_OBJECT)
        return method(self, inst, *args, **kwargs)
    return guarded


class Subject:
    """See the module docstring. ``plan``: the plan message; ``dtype``: the dtype of this round of checks;
    ``hung``: the calls that ended the child so far, shared by the rounds of one check."""

    def __init__(self, link, plan: dict, dtype: str, loss: str, output_activation: str,  # noqa: PLR0913 - the plan, the round, what rounds share
                 hung: dict | None = None):
        self.link, self.plan, self.dtype = link, plan, dtype
        self.loss, self.output_activation = loss, output_activation
        self.layouts = [ParamLayout.from_message(p) for p in plan["layouts"]]
        self.by_key = {p.key: p for p in self.layouts}
        self.keys = [p.key for p in self.layouts]
        self.names = short_names(self.layouts)
        self.sizes, self.bias = tuple(plan["sizes"]), bool(plan["bias"])
        # kind of call -> (smallest size that ended the child, message, whether it was stopped for hanging)
        self.hung: dict[str, tuple[float, str, bool]] = {} if hung is None else hung

    # -- what the plan says ----------------------------------------------------------------------------
    def name(self, key: str) -> str:
        return self.names[key]

    def user_shape(self, key: str) -> tuple[int, ...]:
        return tuple(self.by_key[key].shape)

    def to_torch(self, key: str, arr: np.ndarray) -> np.ndarray:
        return self.by_key[key].to_torch(arr)

    def construction_text(self) -> str:
        return self.plan["construction"]

    def description(self) -> list[str]:
        return describe(self.plan)

    @property
    def per_sample_training(self) -> bool:
        train = self.plan["train"]
        return bool(train) and train["layout"] in PER_SAMPLE and train["epochs"] == "calls"

    # -- calls -----------------------------------------------------------------------------------------------
    def _call(self, request: dict, what: str, kind: str, size: float = 0) -> Outcome:
        if kind in self.hung and size >= self.hung[kind][0]:
            return Outcome(error=not_called(what, self.hung[kind][1]), timed_out=self.hung[kind][2], died=True)
        outcome = self.link.request(request, what)
        # The child skips calls that hung while it lived; a new child forgets, so calls that ended one
        # (stopped for hanging, or exited) are remembered here and not made again.
        if outcome.died and (kind not in self.hung or size < self.hung[kind][0]):
            self.hung[kind] = (size, outcome.error, outcome.timed_out)
        return outcome

    def build(self, **values) -> Outcome:
        outcome = self._call({"op": "build", "values": values}, self.construction_text(), "build")
        if outcome.ok:
            outcome.value = Instance(outcome.value)
        elif not outcome.timed_out and not outcome.died:
            outcome.error = say("call.raised", what=self.construction_text(), error=outcome.error)
        return outcome

    @needs_object
    def set_params(self, inst: Instance, params: dict[str, np.ndarray], dtype: str | None = None) -> Outcome:
        """Give the object these weights (torch layout), as arrays of ``dtype`` (default: this round's)."""
        request = {"op": "set_params", "handle": inst.handle, "dtype": dtype or self.dtype,
                   "params": {k: np.asarray(params[k]) for k in self.keys}}
        return self._call(request, say("what.setting_weights"), "set_params")

    @needs_object
    def get_params(self, inst: Instance) -> dict[str, np.ndarray] | None:
        """The object's weights in torch layout (float64), or None when they are gone or misshapen."""
        outcome = self._call({"op": "get_params", "handle": inst.handle}, say("what.reading_weights"), "get_params")
        if not outcome.ok or not isinstance(outcome.value, dict):
            return None
        out = {}
        for key in self.keys:
            arr = outcome.value.get(key)
            if not isinstance(arr, np.ndarray) or arr.shape != self.user_shape(key) or arr.dtype.kind not in "fiu":
                return None
            out[key] = self.to_torch(key, arr.astype(np.float64))
        return out

    @needs_object
    def forward(self, inst: Instance, X: np.ndarray) -> Outcome:
        name = self.plan["forward"]["name"]
        outcome = self._call({"op": "forward", "handle": inst.handle, "X": X}, f"{name}(X)", "forward")
        if outcome.ok and isinstance(outcome.value, dict):
            outcome.error = say("call.wrong_output", method=name, returned=outcome.value["wrong_output"],
                                expected=(len(X), self.sizes[-1]))
            outcome.value = None
        return outcome

    def _data(self, X, Y) -> dict:
        return {"X": X, "Y": Y, "labels": np.asarray(Y).argmax(axis=1)}

    @needs_object
    def backward(self, inst: Instance, X, Y, output=None) -> Outcome:
        """The gradients (the user's layout, as the class gives them; per-sample ones combined as the loss
        does over samples), and notes on what the call did besides."""
        grads_plan = self.plan["gradients"]
        if grads_plan is None:
            return Outcome(error=say("call.no_gradients"))
        request = {"op": "gradients", "handle": inst.handle, "loss": self.loss,
                   "output_activation": self.output_activation, **self._data(X, Y)}
        outcome = self._call(request, f"{grads_plan['name']}(...)", "backward")
        if not outcome.ok:
            return outcome
        read = outcome.value
        if read["grads"] is None:
            return Outcome(value={"wrong_return": True}, stdout=outcome.stdout,
                           error=say("call.no_gradients_read", error=read["error"] or say(
                               "call.gave_no_gradients", method=grads_plan["name"]),
                                     params=[self.names[k] for k in self.keys]))
        grads = read["grads"]
        if grads_plan["layout"] in PER_SAMPLE:
            reduce = np.mean if get_loss(self.loss).samples == "mean" else np.sum
            grads = {k: reduce(g, axis=0) for k, g in grads.items()}
        if read["updated"]:
            inst.flags.add("updates")   # a note on the report card (the checker restored the weights)
        if read["how"] == "out of order":
            inst.flags.add("out_of_order")
            inst.order = list(grads)
        if read["overwrote_output"]:
            inst.flags.add("overwrote_output")
        return Outcome(value=grads, stdout=outcome.stdout)

    @needs_object
    def train(self, inst: Instance, X, Y, epochs: int, lr: float) -> Outcome:
        train = self.plan["train"]
        if train is None:
            return self.checker_sgd(inst, X, Y, epochs, lr)
        request = {"op": "train", "handle": inst.handle, "epochs": epochs, "lr": lr, **self._data(X, Y)}
        return self._call(request, say("what.train_call", method=train["name"], epochs=epochs), "train", size=epochs)

    def checker_sgd(self, inst: Instance, X, Y, epochs: int, lr: float) -> Outcome:
        """No training method: plain SGD ``p -= lr * g`` with the class's own forward and gradients."""
        for _ in range(epochs):
            out = self.forward(inst, X)
            if not out.ok:
                return out
            grads = self.backward(inst, X, Y, out.value)
            if not grads.ok:
                return grads
            current = self.get_params(inst)
            if current is None:
                return Outcome(error=say("call.weights_gone"))
            misfit = [say("call.misfit", param=self.names[k], shape=np.shape(grads.value[k]),
                          expected=self.user_shape(k))
                      for k in self.keys if np.shape(grads.value[k]) != self.user_shape(k)]
            try:
                stepped = {k: current[k] - lr * self.to_torch(k, np.asarray(grads.value[k], dtype=np.float64))
                           for k in self.keys}
            except (ValueError, TypeError) as exc:
                return Outcome(value={"wrong_return": True},
                               error=say("call.sgd_failed", why=misfit or [str(exc)]))
            wrote = self.set_params(inst, stepped)
            if not wrote.ok:
                return wrote
        return Outcome(value=None)
