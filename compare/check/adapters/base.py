"""What every adapter offers: the network under test, one constructed object, and the common calls."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compare.check.loading import LoadedClass
from compare.check.user_calls import Outcome, UserCalls
from handmade.contract.keys import param_shapes


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
