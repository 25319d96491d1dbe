"""The escape hatch: a network described by five small functions instead of discovered.

When discovery cannot drive a class, a glue adapter states the mapping (``mlp-parity check
student.py --adapter glue.py``, or ``check(MyNet, adapter=glue)`` from Python; the template
is ``examples/adapter_template.py``):

=====================================  ===============================================================
function                               returns
=====================================  ===============================================================
``build(cls, sizes)``                  an object of the class for the checker's sizes (n_in, *hidden, n_out)
``parameters(net)``                    {name: array}: the very arrays the network computes with (the
                                       checker writes the shared initial weights into them); weights
                                       (in, out) or (out, in), biases of any shape
``forward(net, X)``                    the output (N, n_out) for inputs X (N, n_in)
``gradients(net, X, Y)``               {name: array}: the loss's gradients, named as ``parameters``
``train(net, X, Y, epochs, lr)``       optional: the class's own training loop (else the checker's SGD)
=====================================  ===============================================================

:func:`glued` turns them and the class into a class discovery reads like any other: built from
the sizes, the parameters under ``params``, a ``forward``, a ``gradients`` and maybe a ``train``
method - every check and diagnosis then works as for a discovered class.
"""

from __future__ import annotations

import types

import numpy as np

from compare.sandbox.texts import say
from handmade.contract.errors import InvalidInput

REQUIRED = ("build", "parameters", "forward", "gradients")
TEMPLATE = "examples/adapter_template.py"


def glue_functions(adapter, where: str) -> dict:
    """The adapter's functions by name (a module, a class or any object with them); InvalidInput names what is
    missing."""
    found = {name: getattr(adapter, name, None) for name in (*REQUIRED, "train")}
    missing = [name for name in REQUIRED if not callable(found[name])]
    if missing:
        raise InvalidInput(f"the adapter {where} does not define {', '.join(missing)} (an adapter defines build, "
                           f"parameters, forward, gradients and optionally train; see {TEMPLATE})")
    return {name: fn for name, fn in found.items() if callable(fn)}


def glued(cls, glue: dict, where: str) -> type:
    """A class built from sizes that drives ``cls`` through the ``glue`` functions (see the module docstring)."""

    def __init__(self, sizes):
        net = glue["build"](cls, list(sizes))
        self.params = dict(glue["parameters"](net))   # first: the report names each weight as the glue does
        self.net = net
        again = dict(glue["parameters"](net))
        if any(not _same_memory(again.get(name), array) for name, array in self.params.items()):
            raise InvalidInput(say("glue.copies", adapter=where))

    def forward(self, X):
        return glue["forward"](self.net, X)

    def gradients(self, X, Y):
        return glue["gradients"](self.net, X, Y)

    methods = {"__init__": __init__, "forward": forward, "gradients": gradients, "__module__": __name__}
    if "train" in glue:
        def train(self, X, Y, epochs, learning_rate):
            return glue["train"](self.net, X, Y, epochs, learning_rate)
        methods["train"] = train
    name = getattr(cls, "__name__", "network")
    return type(f"{name} (through {where})", (), methods)


def _same_memory(a, b) -> bool:
    """The same array, or a view of the same numbers (weights sliced from one buffer at each call)."""
    return a is b or (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                      and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def as_glue(adapter) -> types.SimpleNamespace | object:
    """An adapter given from Python: a module, a class or an object with the functions (a dict is accepted too)."""
    return types.SimpleNamespace(**adapter) if isinstance(adapter, dict) else adapter
