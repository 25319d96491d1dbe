"""Layer-list designs: a network assembled from the file's own layer classes.

Many courses write a network as a list of layer objects - ``Linear``/``Dense`` (two sizes,
a weight, ``forward``/``backward``), ``ReLU``/``Sigmoid`` (no sizes), a loss object - with or
without a container (``Model(layers, loss)``). There is no class to build from sizes, so the
tool assembles one: :func:`layer_kit` finds the layer classes of a file (by what they are:
a dense class is one that, built with two sizes, holds a weight of those sizes; an activation
class is named as an activation and built with nothing), and :func:`composed` makes a class
whose constructor takes the checker's sizes and builds ``[Dense(n_in, h), ReLU(), Dense(h, out)]``:

* with a container in the file, a subclass of it, built with that list (and a loss object
  when it takes one): every method of the container - its forward, backward, training step -
  is the user's own and is checked;
* without one, :class:`Sequential`: forward through the list, backward through it in reverse
  from the loss's gradient (the file's loss class when it has one for the declared loss), with
  the gradients left where the layers keep them (``layer.dW``, ``layer.grad['W']``).

Everything here runs in the child process, each call into a user's class through ``UserCalls``.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

import numpy as np

from compare.sandbox import roles
from compare.sandbox.calling import argument_roles, bind, public_methods
from compare.sandbox.calls import UserCalls
from compare.sandbox.texts import say
from handmade.losses import get_loss, grad_of_output, loss_of_output

# A class's name, lowercased and without "_", "layer", "activation": which activation it is.
ACTIVATION_CLASSES = {"relu": "relu", "sigmoid": "sigmoid", "logistic": "sigmoid", "tanh": "tanh",
                      "leakyrelu": "leaky_relu", "lrelu": "leaky_relu", "elu": "elu", "gelu": "gelu",
                      "softplus": "softplus", "softmax": "softmax", "identity": "identity"}
DENSE_NAME = re.compile(r"linear|dense|fullyconnected|^fc|affine|layer", re.IGNORECASE)
# Loss classes by family (``compare.check.diagnoses.factors.family``): squared errors and the two links.
# (Binary first: "BinaryCrossEntropy" is also a cross-entropy.)
LOSS_CLASSES = {"squared": re.compile(r"mse|meansquared|squarederror|quadratic|l2loss", re.IGNORECASE),
                "sigmoid": re.compile(r"bce|binary|logloss|sigmoid.*(cross|loss)", re.IGNORECASE),
                "softmax": re.compile(r"softmax.*(cross|ce|loss)|crossentropy|celoss|nll|categorical",
                                      re.IGNORECASE)}
NETWORK_NAME = re.compile(r"net|mlp|model|perceptron|classifier|regressor", re.IGNORECASE)
LAYERS_PARAM = re.compile(r"^(layers?|modules|blocks|network|net|seq|sequence|stack|layer_?list|components)$")
LOSS_PARAM = re.compile(r"^(loss|loss_?fn|loss_?function|criterion|cost|cost_?function|objective)$")
PROBE_SIZES = (3, 5)


def _normalised(name: str) -> str:
    return re.sub(r"_|layer|activation|function|fn$", "", name.lower())


def _has(cls: type, *groups: tuple[str, ...]) -> bool:
    methods = set(public_methods(cls))
    return all(any(name in methods for name in group) for group in groups)


@dataclass
class LayerKit:
    """The layer classes of one file: how to build a dense layer, activations by name, losses by family."""

    dense: type
    dense_args: tuple[str, ...]          # how the two sizes are passed: ("in", "out") or ("out", "in")
    activations: dict[str, type]
    losses: dict[str, type]

    def dense_layer(self, n_in: int, n_out: int):
        first, second = (n_in, n_out) if self.dense_args == ("in", "out") else (n_out, n_in)
        return _build(self.dense, first, second)

    def layers(self, sizes, activation: str, output_activation: str, loss: str) -> list:
        """[Dense(n_0, n_1), Act(), ..., Dense(n_{L-1}, n_L)(, OutAct())]; KeyError names a missing activation."""
        built = []
        hidden, output = activation.split("(")[0], output_activation.split("(")[0]
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            built.append(self.dense_layer(n_in, n_out))
            last = l == len(sizes) - 2
            name = output if last else hidden
            if name == "identity" or (last and name == get_loss(loss).link and self.loss_takes_logits(loss)):
                continue  # a loss class that includes its softmax/sigmoid is given the logits
            built.append(self.activations[name]())
        return built

    def describe(self, sizes, network: Network, container: type | None) -> str:
        """``Model(layers=[Linear(30, 16), ReLU(), Linear(16, 3)], loss=MSELoss())``, for the report."""
        parts = []
        hidden, output = network.activation.split("(")[0], network.output_activation.split("(")[0]
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            parts.append(f"{self.dense.__name__}({n_in}, {n_out})")
            name = output if l == len(sizes) - 2 else hidden
            if name in self.activations and not (l == len(sizes) - 2 and self.loss_takes_logits(network.loss)):
                parts.append(f"{self.activations[name].__name__}()")
        loss_cls = self.losses.get(get_loss(network.loss).family)
        loss = f"{loss_cls.__name__}()" if loss_cls else say("note.declared_loss", loss=network.loss)
        where = f"{container.__name__}(layers, loss)" if container else say("note.checker_sequence")
        return say("note.assembled", parts=parts, where=where, loss=loss)

    def loss_takes_logits(self, loss: str) -> bool:
        cls = self.losses.get(get_loss(loss).family)
        return cls is not None and get_loss(loss).family != "squared" and bool(re.search(
            r"softmax|logit|sigmoid", cls.__name__, re.IGNORECASE))

    def loss_object(self, loss: str):
        cls = self.losses.get(get_loss(loss).family)
        return _build(cls) if cls is not None else None


def _build(cls, *args):
    """``cls(*args)``, the other required parameters filled by their role (a seed, a random generator)."""
    kwargs = {}
    for p in list(inspect.signature(cls).parameters.values())[len(args):]:
        if p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if re.fullmatch(r"rng|random_?state|generator|rand", p.name):
            kwargs[p.name] = np.random.default_rng(0)
        elif roles.role_of(p.name) == "seed":
            kwargs[p.name] = 0
    return cls(*args, **kwargs)


def _dense_order(cls) -> tuple[str, ...] | None:
    """How ``cls`` takes its two sizes, from a probe: the weight it then holds is (3, 5) or (5, 3)."""
    try:
        probe = _build(cls, *PROBE_SIZES)
    except Exception:  # noqa: BLE001 - not a dense layer (or a broken one): it is not used
        return None
    shapes = {np.shape(v) for v in vars(probe).values() if isinstance(v, np.ndarray) and np.ndim(v) == 2}
    if not shapes & {PROBE_SIZES, PROBE_SIZES[::-1]}:
        return None
    names = [p.name for p in inspect.signature(cls).parameters.values()][:2]
    if roles.role_of(names[0]) == "output" or roles.role_of(names[1]) == "input":
        return ("out", "in")
    return ("in", "out")


def layer_kit(namespace: dict, calls: UserCalls) -> LayerKit | None:
    """The layer classes defined in a file's namespace, or None when it has no dense layer class."""
    module = namespace.get("__name__")
    classes = [v for v in namespace.values() if isinstance(v, type) and v.__module__ == module]
    activations, losses, dense = {}, {}, None
    for cls in classes:
        name = _normalised(cls.__name__)
        if name in ACTIVATION_CLASSES and _has(cls, ("forward", "__call__")):
            activations.setdefault(ACTIVATION_CLASSES[name], cls)
            continue
        family = next((f for f, pattern in LOSS_CLASSES.items() if pattern.search(cls.__name__)), None)
        if family is not None and _has(cls, ("forward", "__call__", "loss", "compute"),
                                       ("backward", "grad", "gradient", "derivative", "prime", "backprop")):
            losses.setdefault(family, cls)
        elif dense is None and DENSE_NAME.search(cls.__name__) and _has(cls, ("forward", "__call__"),
                                                                       ("backward", "backprop")):
            order = calls.call(f"{cls.__name__}{PROBE_SIZES}", _dense_order, cls)
            if order.ok and order.value is not None:
                dense, dense_args = cls, order.value
    return None if dense is None else LayerKit(dense, dense_args, activations, losses)


def is_layer_class(cls: type) -> bool:
    """A class that is a layer, an activation or a loss by its name (never "the network": a name that says
    net, model, perceptron or classifier is a network's, whatever else it says)."""
    if NETWORK_NAME.search(cls.__name__) or _network_parameters(cls):
        return False
    name = _normalised(cls.__name__)
    return name in ACTIVATION_CLASSES or bool(DENSE_NAME.search(cls.__name__)) or \
        any(p.search(cls.__name__) for p in LOSS_CLASSES.values())


def _network_parameters(cls: type) -> bool:
    """The constructor takes what only a whole network takes: layer sizes, hidden widths, a learning rate."""
    try:
        names = list(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return False
    return any(roles.role_of(name) in ("sizes", "hidden_sizes", "hidden", "lr", "epochs") for name in names)


def takes_layers(cls: type, given: dict | None = None) -> bool:
    """A container: its constructor has a required parameter named like a list of layers (and the user did not
    give it with ``--init-args``)."""
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(LAYERS_PARAM.match(p.name) and p.default is p.empty and p.name not in (given or {}) for p in params)


@dataclass(frozen=True)
class Network:
    """What to assemble: the declared hidden and output activations and loss."""

    activation: str
    output_activation: str
    loss: str


def composed(kit: LayerKit, network: Network, container: type | None = None) -> type:
    """A class built from sizes (see the module docstring): a subclass of ``container``, or :class:`Sequential`."""
    if container is None:
        def build(self, sizes):
            Sequential.__init__(self, kit, network, sizes)
        return type(f"Sequential({kit.dense.__name__}, ...)", (Sequential,), {"__init__": build})

    def __init__(self, sizes):
        layers = kit.layers(sizes, network.activation, network.output_activation, network.loss)
        values = {}
        for p in list(inspect.signature(container.__init__).parameters.values())[1:]:
            if LAYERS_PARAM.match(p.name):
                values[p.name] = layers
            elif LOSS_PARAM.match(p.name):
                values[p.name] = kit.loss_object(network.loss) or DeclaredLoss(network)
        container.__init__(self, **values)

    return type(container.__name__, (container,), {"__init__": __init__, "__module__": container.__module__,
                                                   "__qualname__": container.__qualname__})


class DeclaredLoss:
    """The declared loss as a loss object (``forward(output, y)``, ``backward()``), for a file that has none."""

    def __init__(self, network: Network):
        self.network, self.cache = network, None

    def forward(self, output, y):
        self.cache = (np.asarray(output), np.asarray(y, dtype=np.asarray(output).dtype))
        return float(loss_of_output(self.network.loss, self.network.output_activation, *self.cache))

    __call__ = forward

    def backward(self, *args):
        return grad_of_output(self.network.loss, self.network.output_activation, *self.cache)


class Sequential:
    """A file's layers without a container: forward through the list, backward through it in reverse."""

    def __init__(self, kit: LayerKit, network: Network, sizes):
        self.layers = kit.layers(sizes, network.activation, network.output_activation, network.loss)
        self.criterion = kit.loss_object(network.loss) or DeclaredLoss(network)

    def forward(self, X):
        for layer in self.layers:
            X = _forward(layer, X)
        return X

    def backward(self, output, Y):
        """The loss's gradient at ``output`` sent back through every layer; the gradients stay on the layers."""
        _forward(self.criterion, output, Y)
        grad = _loss_gradient(self.criterion, output, Y)
        for layer in reversed(self.layers):
            grad = _backward(layer, grad)


def loss_objects(obj) -> list:
    """The loss objects an object holds (a container's ``self.loss = MSELoss()``): what its targets go into."""
    return [v for v in vars(obj).values() if not isinstance(v, type) and (isinstance(v, DeclaredLoss) or any(
        p.search(type(v).__name__) for p in LOSS_CLASSES.values())) and _has(type(v), ("forward", "__call__"))] \
        if hasattr(obj, "__dict__") else []


def _forward(obj, *args):
    method = getattr(obj, "forward", None)
    return method(*args) if method is not None else obj(*args)


def evaluate_loss(criterion, output, y):
    """``criterion.forward(output, y)`` (or its call): a loss object keeps what its backward needs."""
    return _forward(criterion, output, y)


def _loss_gradient(criterion, output, Y):
    for name in ("backward", "grad", "gradient", "derivative", "prime", "backprop"):
        method = getattr(criterion, name, None)
        if method is not None:
            bound = bind(method, {"output": output, "y": Y, "x": output})
            if bound is not None:
                return method(*bound[0], **bound[1])
    raise TypeError(f"{type(criterion).__name__} has no backward the checker can call")


def _backward(layer, grad):
    method = getattr(layer, "backward", None) or layer.backprop
    roles_ = [role for _, role, needed in argument_roles(method) if needed]
    return method(grad) if len(roles_) <= 1 else method(grad, 0.0)   # (grad, lr): a step of 0 changes nothing
