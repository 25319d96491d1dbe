"""What the user's code returned, as plain data: arrays out of tensors, gradients mapped onto parameters.

Everything here runs in the process that runs the user's code (a tensor's ``.detach()``,
an object's ``__array__`` are user code too) and turns its values into what can cross to
the checker: NumPy arrays, numbers, lists, dicts.
"""

from __future__ import annotations

import numpy as np

from compare.sandbox import roles
from compare.sandbox.layout import ParamLayout
from compare.sandbox.texts import say


def plain(value, depth: int = 0):
    """``value`` with tensors (anything with ``detach``/``numpy``) turned into arrays, containers walked."""
    if depth > 6:
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        return np.array(value.detach().cpu().numpy(), copy=True)  # a torch tensor, even one that requires grad
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, dict):
        return {k: plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v, depth + 1) for v in value) if isinstance(value, tuple) else \
            [plain(v, depth + 1) for v in value]
    if isinstance(value, (np.generic, int, float)):
        return value
    if hasattr(value, "__array__"):
        return np.asarray(value)
    return value


def numeric(value) -> np.ndarray | None:
    """An array of numbers from ``value`` (an array, a list of numbers), or None."""
    if isinstance(value, np.ndarray):
        return value if value.dtype.kind in "biufc" else None
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float, np.number)) for v in value):
        return np.asarray(value, dtype=np.float64)
    return None


def arrays_of(value, name: str = "", depth: int = 0) -> list[tuple[str, np.ndarray]]:
    """Every numeric array inside a returned value, in order, with the name that led to it (a dict key)."""
    if depth > 4:
        return []
    arr = numeric(value) if not isinstance(value, (list, tuple)) else None
    if arr is not None and arr.ndim >= 1:
        return [(name, arr)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in arrays_of(v, str(k), depth + 1)]
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in arrays_of(v, name, depth + 1)]
    if hasattr(value, "params") and isinstance(value.params, dict):  # an object holding its gradients as .params
        return arrays_of(value.params, name, depth + 1)
    return []


def _fits(layout: ParamLayout, arr: np.ndarray, n_rows: int) -> bool:
    """``arr`` could be this parameter's gradient, maybe with the usual shape mistakes (transposed, per sample)."""
    shape = tuple(layout.shape)
    if arr.shape == shape or arr.size == int(np.prod(shape)) and min(shape) == 1:
        return True
    if layout.key.endswith("weight"):
        return arr.shape == shape[::-1]
    n = int(np.prod(shape))
    return arr.ndim == 2 and arr.shape == (n_rows, n)


def _short(layout: ParamLayout) -> str:
    return str(layout.paths[0][-1][1]) if layout.paths else layout.name


# The orders in which courses return a tuple of gradients: layer by layer (W1, b1, W2, b2), weights
# then biases, biases then weights (``return (nabla_b, nabla_w)``). Another order that still fits the
# shapes is mapped by shape, and said (a class's own update would then pair the wrong arrays).
def _orders(layouts: list[ParamLayout]) -> list[list[ParamLayout]]:
    weights = [p for p in layouts if p.key.endswith("weight")]
    biases = [p for p in layouts if p.key.endswith("bias")]
    return [list(layouts), weights + biases, biases + weights]


def map_gradients(value, layouts: list[ParamLayout], n_rows: int) -> tuple[dict | None, str]:
    """The gradients in a returned value, keyed by parameter: (mapping, how) or (None, why not).

    ``how`` is "by name", "in order" or "out of order" (a tuple whose order is none of the usual
    ones but whose shapes fit the parameters one to one).
    """
    found = arrays_of(value)
    if isinstance(value, dict):  # a dict names every gradient, arrays or not (a ragged object array ...)
        named = _by_name([(str(k), v) for k, v in value.items()], layouts)
        if len(named) == len(layouts):
            return named, say("how.by_name")
    if not found:
        return None, say("how.no_array")
    named = _by_name(found, layouts)
    if len(named) == len(layouts):
        return named, say("how.by_name")
    arrays = [arr for _, arr in found]
    if len(arrays) == len(layouts):
        for order in _orders(layouts):
            if all(_fits(p, a, n_rows) for p, a in zip(order, arrays)):
                return {p.key: a for p, a in zip(order, arrays)}, say("how.in_order")
    mapped, how = _by_shape(arrays, layouts, n_rows)
    if mapped is None and len(arrays) == len(layouts):
        # One gradient per parameter, most of them fitting a usual order: that order, so that the checks
        # name the misshapen one ("db2 has shape (1, 2), expected (1, 3)").
        order = max(_orders(layouts), key=lambda o: sum(_fits(p, a, n_rows) for p, a in zip(o, arrays)))
        if 2 * sum(_fits(p, a, n_rows) for p, a in zip(order, arrays)) > len(arrays):
            return {p.key: a for p, a in zip(order, arrays)}, say("how.in_order")
    return mapped, how


def _by_name(found: list[tuple[str, np.ndarray]], layouts: list[ParamLayout]) -> dict[str, np.ndarray]:
    """Named arrays (``dW1``, ``W1``, ``layers.0.weight``) paired with the parameters of those names."""
    named = {}
    for name, arr in found:
        target = roles.gradient_of(name) or name
        for layout in layouts:
            if target in (_short(layout), layout.key, layout.name) and layout.key not in named:
                named[layout.key] = arr
    return named


def _by_shape(arrays: list[np.ndarray], layouts: list[ParamLayout], n_rows: int) -> tuple[dict | None, str]:
    """Arrays in no usual order, paired with the parameters by shape one to one (the returned order kept)."""
    by_shape, free = {}, list(arrays)
    for layout in layouts:
        match = next((a for a in free if _fits(layout, a, n_rows) and a.shape == tuple(layout.shape)), None)
        match = match if match is not None else next((a for a in free if _fits(layout, a, n_rows)), None)
        if match is None:
            return None, say("how.nothing_fits", name=layout.name, shape=tuple(layout.shape))
        by_shape[layout.key] = match
        free = [a for a in free if a is not match]
    in_returned_order = {key: arr for arr in arrays for key, mapped in by_shape.items() if mapped is arr}
    return in_returned_order, say("how.out_of_order")
