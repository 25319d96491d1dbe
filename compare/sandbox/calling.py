"""Calling a discovered method with the right arguments: inputs as rows, columns or one sample at a time.

A *layout* says how the class takes its data:

=============  ==========================================  =====================================
layout         X passed as                                 output read back as
=============  ==========================================  =====================================
rows           (N, n_in), one sample per row               (N, n_out)
columns        (n_in, N), one sample per column            (n_out, N), transposed back
sample_column  each sample alone as a column (n_in, 1)     (n_out, 1) each, stacked as rows
sample_flat    each sample alone as a vector (n_in,)       (n_out,) or (n_out, 1) each, stacked
=============  ==========================================  =====================================

Targets follow the same layout (integer labels: (N,) for rows and columns). A method's
arguments are given by role (``compare.sandbox.roles.argument_role``): the inputs,
the targets, the forward output, a learning rate, a regularisation strength, an output
gradient.
"""

from __future__ import annotations

import inspect

import numpy as np

from compare.sandbox import roles
from compare.sandbox.roles import FORWARD_METHODS, GRADIENT_METHODS, TRAIN_METHODS
from compare.sandbox.values import plain

LAYOUTS = ("rows", "columns", "sample_column", "sample_flat")
PER_SAMPLE = ("sample_column", "sample_flat")


def shape_inputs(X: np.ndarray, layout: str):
    """X (N, n) in ``layout``: one array, or one per sample."""
    if layout == "rows":
        return X
    if layout == "columns":
        return np.ascontiguousarray(X.T)
    if layout == "sample_column":
        return [x.reshape(-1, 1).copy() for x in X]
    return [x.copy() for x in X]


def output_array(value, n_out: int) -> np.ndarray | None:
    """The output array in a forward's return value (the value, or the last fitting array of a tuple/list)."""
    value = plain(value)
    if isinstance(value, np.ndarray):
        return value if value.dtype.kind in "fiuc" else None
    if isinstance(value, (tuple, list)):
        fitting = [v for v in value if isinstance(v, np.ndarray) and n_out in v.shape]
        return fitting[-1] if fitting else None
    return None


def run_forward(method, inputs, missing: str):
    """``method`` on the whole batch, or once per sample when ``inputs`` is a list of samples
    (:func:`shape_inputs`); ``missing``: the error when the class has no such method (anymore)."""
    if method is None:
        raise AttributeError(missing)
    if isinstance(inputs, list):
        return [method(x) for x in inputs]
    return method(inputs)


def as_rows(out, layout: str, n_rows: int, n_out: int) -> np.ndarray | None:
    """The forward output of ``layout`` as (N, n_out) rows, or None if it does not have that shape."""
    if layout in PER_SAMPLE:
        rows = [output_array(o, n_out) for o in out]
        if any(r is None or r.size != n_out for r in rows):
            return None
        return np.stack([r.reshape(-1) for r in rows])
    arr = output_array(out, n_out)
    if arr is None:
        return None
    if layout == "columns":
        arr = arr.T
    return arr if arr.shape == (n_rows, n_out) else None


def parameters(method) -> list[inspect.Parameter]:
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def required(method) -> list[inspect.Parameter]:
    return [p for p in parameters(method) if p.default is p.empty]


def argument_roles(method) -> list[tuple[str, str | None, bool]]:
    """(name, role, required) of each argument; an unnamed first required argument is the inputs."""
    out = []
    for i, p in enumerate(parameters(method)):
        role = roles.argument_role(p.name)
        if role is None and i == 0 and p.default is p.empty:
            role = "x"
        out.append((p.name, role, p.default is p.empty))
    return out


def bind(method, values: dict, by_name: dict | None = None) -> tuple[list, dict] | None:
    """Positional and keyword arguments for ``method`` from ``values`` (role -> value) and ``by_name``
    (argument name -> value, first); None if a required argument has a role without a value or no role at all."""
    args, kwargs = [], {}
    for name, role, needed in argument_roles(method):
        if by_name and name in by_name:
            if needed and not kwargs:
                args.append(by_name[name])
            else:
                kwargs[name] = by_name[name]
        elif role in values:
            if needed and not kwargs:
                args.append(values[role])
            else:
                kwargs[name] = values[role]
        elif needed:
            return None
    return args, kwargs


def public_methods(obj, exclude=()) -> list[str]:
    """Callable public attributes of a class (or of an object's class), conventional names first;
    ``__call__`` counts when the class defines it."""
    cls = obj if isinstance(obj, type) else type(obj)
    names = [n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n, None)) and n not in exclude]
    if any("__call__" in vars(c) for c in cls.__mro__[:-1]) and "__call__" not in exclude:
        names.append("__call__")
    known = [n for n in (*FORWARD_METHODS, *GRADIENT_METHODS, *TRAIN_METHODS) if n in names]
    return known + sorted(set(names) - set(known))
