"""Building someone's network class with the checker's sizes: which constructor call to try, in which order.

A constructor is read through its signature (``compare.sandbox.roles``): layer sizes
as a list (``Network(sizes)``), as separate numbers (``Net(input_size, hidden_size,
output_size)``, ``Net(n_in, h1, h2, n_out)``), a learning rate, a regularisation
strength, a seed... Required parameters the tool recognises are filled (the report says
with what); parameters with a default keep it, except the sizes, the learning rate and
the number of epochs, which the checker must know. ``--init-args`` overrides any of them.
When names say nothing, positional guesses follow: (in, hidden, out), then (sizes).
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field

from compare.sandbox import roles

# Hidden widths for networks deeper than the checker's default: distinct from each other and from
# the letters' 30 inputs and 3 outputs, so that a shape always names one layer.
EXTRA_HIDDEN = (16, 12, 8, 6, 5, 7, 9, 10)


@dataclass(frozen=True)
class Request:
    """The network the checker asks for, and what it lets the user fix (``init_args``)."""

    n_in: int
    n_out: int
    hidden: tuple[int, ...] = (16,)
    hidden_given: bool = False   # the user chose --hidden: keep it even for a deeper constructor
    lr: float = 0.1
    epochs: int = 10
    batch: int = 5
    seed: int = 0
    init_args: dict = field(default_factory=dict)

    def sizes(self, depth: int | None = None) -> tuple[int, ...]:
        hidden = self.hidden
        if depth is not None and depth != len(hidden) and not self.hidden_given:
            hidden = EXTRA_HIDDEN[:depth]
        return (self.n_in, *hidden, self.n_out)


@dataclass
class Call:
    """One way to call the constructor: its arguments, the network it builds, and what the tool filled in."""

    args: tuple
    kwargs: dict
    sizes: tuple[int, ...]
    filled: dict = field(default_factory=dict)   # role-filled values the user did not give (for the report)
    lr_name: str | None = None                   # the keyword that sets the class's learning rate, if any
    epochs_name: str | None = None

    def text(self, class_name: str) -> str:
        parts = [repr(list(a)) if isinstance(a, tuple) else repr(a) for a in self.args]
        parts += [f"{k}={list(v) if isinstance(v, tuple) else v!r}" for k, v in self.kwargs.items()]
        if not parts and class_name.endswith(")"):   # an object's copier, named as the call it makes
            return class_name
        return f"{class_name}({', '.join(parts)})"

    def with_values(self, **values) -> Call:
        """The same call with the learning rate or the epochs changed (by their keyword)."""
        kwargs = dict(self.kwargs)
        for role, value in values.items():
            name = {"lr": self.lr_name, "epochs": self.epochs_name}[role]
            if name is not None:
                kwargs[name] = value
        return Call(self.args, kwargs, self.sizes, self.filled, self.lr_name, self.epochs_name)


def _signature(cls) -> list[inspect.Parameter] | None:
    try:
        params = list(inspect.signature(cls).parameters.values())
    except (TypeError, ValueError):
        return None
    return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _takes_anything(cls) -> bool:
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)


def unknown_init_args(cls, request: Request) -> tuple[list[str], list[str]]:
    """(the --init-args names the constructor does not take, the names it takes); none unknown when it takes
    anything (``**kwargs``) or cannot be inspected."""
    params = _signature(cls)
    if params is None or _takes_anything(cls):
        return [], []
    names = [p.name for p in params]
    return [name for name in request.init_args if name not in names], names


def _given_sizes(named, request: Request) -> Request:
    """The request with the hidden widths a user fixed through ``--init-args`` (``hidden_size_list=[16, 8]``,
    ``n_hidden=8``)."""
    present = {role for _, role in named}
    for p, role in named:
        value = request.init_args.get(p.name)
        if role not in ("sizes", "hidden_sizes") or not isinstance(value, (list, tuple)) or \
                not all(isinstance(v, int) and v > 0 for v in value):
            continue
        # A sizes list holds what the other parameters do not: beside an input size, the layers after it.
        start, end = (0 if "input" in present else 1), (None if "output" in present else -1)
        hidden = tuple(value) if role == "hidden_sizes" else tuple(value[start:end])
        return dataclasses.replace(request, hidden=hidden, hidden_given=True)
    # Or one width per hidden parameter (``n_hidden=8``): the others keep the widths asked for.
    hidden_params = sorted((p for p, role in named if role == "hidden"), key=lambda p: roles.hidden_index(p.name))
    given = [request.init_args.get(p.name) for p in hidden_params]
    if any(_width(v) for v in given):
        asked = request.sizes(len(hidden_params))[1:-1]
        hidden = tuple(v if _width(v) else a for v, a in zip(given, asked))
        return dataclasses.replace(request, hidden=hidden, hidden_given=True)
    return request


def _width(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _role_values(named, request: Request) -> tuple[tuple[int, ...], dict]:
    """The sizes asked for, and the value each role's parameter gets (hidden widths by parameter name)."""
    present = {role for _, role in named}
    hidden_params = sorted((p for p, role in named if role == "hidden"), key=lambda p: roles.hidden_index(p.name))
    sizes = request.sizes(len(hidden_params) if hidden_params else None)
    # A list of sizes beside a separate input size (``DeepNeuralNetwork(nx, layers)``) holds the layers after
    # the input; beside an output size too, the hidden widths alone.
    listed = list(sizes[1:-1]) if "output" in present else list(sizes[1:]) if "input" in present else list(sizes)
    values = {"sizes": listed, "hidden_sizes": list(sizes[1:-1]), "input": request.n_in,
              "output": request.n_out, "lr": request.lr, "epochs": request.epochs, "batch": request.batch,
              "seed": request.seed, "reg": 0.0, "scale": 0.01, "quiet": False}
    # hidden1 gets the first width whatever the order of the parameters (hidden2_size may come first).
    values.update({("hidden", p.name): width for p, width in zip(hidden_params, sizes[1:-1])})
    return sizes, values


def _fill(p: inspect.Parameter, role: str | None, values: dict, sizes) -> tuple | str:
    """(value, said in the report) for one constructor parameter; "default" to leave it; "missing" when a
    required one means nothing to the tool."""
    if role == "hidden":
        return values.get(("hidden", p.name), sizes[1]), False
    if role in ("sizes", "hidden_sizes", "input", "output", "lr", "epochs"):
        return values[role], False
    if role is not None and p.default is p.empty:
        return values[role], True
    if role == "reg" and p.default not in (0, 0.0, None, False):
        return 0.0, True   # the reference has no penalty: a default one is switched off, and said
    return "missing" if p.default is p.empty else "default"


def named_call(cls, request: Request) -> Call | None:
    """The call that fills every parameter by its role, or None if a required one means nothing to the tool."""
    params = _signature(cls)
    if params is None:
        return None
    named = [(p, roles.role_of(p.name)) for p in params]
    if not any(role in ("sizes", "hidden_sizes", "input", "hidden", "output") for _, role in named):
        return None
    request = _given_sizes(named, request)
    sizes, values = _role_values(named, request)
    kwargs, filled, lr_name, epochs_name = {}, {}, None, None
    for p, role in named:
        if p.name in request.init_args:
            kwargs[p.name] = request.init_args[p.name]
            continue
        how = _fill(p, role, values, sizes)
        if how == "missing":
            return None
        if how != "default":
            kwargs[p.name] = how[0]
            if how[1]:
                filled[p.name] = how[0]
        lr_name = p.name if role == "lr" else lr_name
        epochs_name = p.name if role == "epochs" else epochs_name
        if role in ("lr", "epochs") and p.default is p.empty:
            filled[p.name] = kwargs[p.name]
    return Call((), kwargs, sizes, filled, lr_name, epochs_name)


def positional_calls(cls, request: Request) -> list[Call]:
    """Guesses by position for a constructor whose names say nothing: (in, hidden, out), (sizes), (in, h, h, out)."""
    params = _signature(cls)
    required = [] if params is None else [p for p in params if p.default is p.empty]
    if params is None or _takes_anything(cls):
        counts = (3, 1, 4, 0)
    else:
        counts = (len(required),)
    calls = []
    for count in counts:
        if count == 3:
            sizes = request.sizes(1)
            calls.append(Call(sizes, {}, sizes))
        elif count == 1:
            sizes = request.sizes()
            calls.append(Call((list(sizes),), {}, sizes))
        elif count >= 4:
            sizes = request.sizes(count - 2)
            calls.append(Call(sizes, {}, sizes))
        elif count == 0:
            calls.append(Call((), {}, ()))  # sizes fixed inside the class: read from its weights
    for call in calls:
        call.kwargs.update(request.init_args)
    return calls


def constructor_calls(cls, request: Request) -> list[Call]:
    """Every call worth trying, best first."""
    calls = []
    named = named_call(cls, request)
    if named is not None:
        calls.append(named)
    for call in positional_calls(cls, request):
        if all(call.args != c.args or call.kwargs != c.kwargs for c in calls):
            calls.append(call)
    return calls
