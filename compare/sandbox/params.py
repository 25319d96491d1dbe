"""Finding a network's parameters inside someone's object, wherever they live.

:func:`arrays_in` walks the object - attributes, dict entries, list items, attributes of
layer objects, a few levels deep - and lists every floating-point array with the paths
that reach it (one array reached twice, as the "deep learning from scratch" layers share
the arrays of their ``params`` dict, is one entry with two paths). :func:`match_chain`
then finds, for layer sizes (n_0, ..., n_L), a weight of shape (n_l, n_{l+1}) or
(n_{l+1}, n_l) and a bias of n_{l+1} entries for every layer, by shape alone: the
checker picks distinct layer sizes, so shapes identify layers whatever the names. Names
only order the candidates (``W1`` before ``dW1`` or ``velocity_W1``), and the caller
verifies the choice on the forward pass.

Reading an attribute runs user code (a property): every walk happens inside a call with
the time limit, in the process that runs the user's code.
"""

from __future__ import annotations

import re
import types

import numpy as np

from compare.sandbox.layout import ParamLayout, path_text
from handmade.contract.keys import bias_key, weight_key

MAX_DEPTH = 4
_NOT_A_PARAMETER = re.compile(r"(^|_)(d|grad|grads|gradient|delta|nabla|v|m|velocity|momentum|cache|adam|rms|"
                              r"moment|prev|old|best|init|initial|saved|backup|mask|dropout|z|a|h|out|output|"
                              r"input|x|y)(_|$|\d)|^(d[A-Za-z]|grad)", re.IGNORECASE)


def _skip(value) -> bool:
    return isinstance(value, (type, types.ModuleType, types.FunctionType, types.MethodType, types.BuiltinFunctionType,
                              str, bytes, int, float, bool, complex, type(None)))


def _children(value) -> list[tuple[tuple, object]]:
    """((kind, key), child) of a container or an object: dict items, list/tuple entries, attributes."""
    if isinstance(value, dict):
        return [(("item", k), v) for k, v in list(value.items()) if isinstance(k, (str, int))]
    if isinstance(value, (list, tuple)):
        return [(("index", i), v) for i, v in enumerate(value[:64])]
    if hasattr(value, "__dict__"):
        return [(("attr", name), v) for name, v in list(vars(value).items())]
    return []


def arrays_in(obj, depth: int = MAX_DEPTH) -> list[tuple[np.ndarray, list]]:
    """[(array, [path, ...])] for every real floating array reachable from ``obj`` (see the module docstring)."""
    found: dict[int, tuple[np.ndarray, list]] = {}
    seen: set[int] = set()

    def visit(value, path, level):
        if isinstance(value, np.ndarray):
            if value.dtype.kind == "f" and value.ndim in (1, 2):
                found.setdefault(id(value), (value, []))[1].append(tuple(path))
            return
        if level > depth or id(value) in seen or _skip(value):
            return
        seen.add(id(value))
        for step, child in _children(value):
            visit(child, [*path, step], level + 1)

    visit(obj, [], 0)
    return list(found.values())


def _rank(paths) -> tuple:
    """Order candidates: no step of the path named like a gradient, a cache or an optimizer's state
    (``layer.grad['b']`` is not a bias), then the shortest path, then the first seen."""
    text = path_text(paths[0])
    return (any(_NOT_A_PARAMETER.search(str(step)) for _, step in paths[0]), len(paths[0]), text)


def weight_candidates(arrays, n_in: int, n_out: int) -> list[tuple[np.ndarray, list, bool]]:
    """(array, paths, transposed) of every array that could be the weight of an n_in -> n_out layer."""
    out = []
    for arr, paths in arrays:
        if arr.shape == (n_out, n_in):
            out.append((arr, paths, False))
        elif arr.shape == (n_in, n_out):
            out.append((arr, paths, True))
    return sorted(out, key=lambda c: _rank(c[1]))


def bias_candidates(arrays, n_out: int) -> list[tuple[np.ndarray, list]]:
    shapes = {(n_out,), (1, n_out), (n_out, 1)}
    return sorted(((arr, paths) for arr, paths in arrays if arr.shape in shapes), key=lambda c: _rank(c[1]))


def match_chain(arrays, sizes, choice: dict | None = None) -> tuple[list[ParamLayout], bool] | None:
    """The parameters of a network of layer ``sizes``: (layouts, has_bias), or None if a weight is missing.

    ``choice`` maps a key to the index of the candidate to take (default 0, the best ranked):
    the caller's way to try the next candidate when a verification fails. Biases are all
    present or all absent (a network without biases); a mixed network gives None.
    """
    choice = choice or {}
    layouts, biases = [], []
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights = weight_candidates(arrays, n_in, n_out)
        pick = choice.get(weight_key(l), 0)
        if pick >= len(weights):
            return None
        arr, paths, transposed = weights[pick]
        layouts.append(ParamLayout(weight_key(l), path_text(paths[0]), arr.shape, transposed, tuple(paths)))
        candidates = [c for c in bias_candidates(arrays, n_out) if c[0] is not arr]
        bpick = choice.get(bias_key(l), 0)
        biases.append(candidates[bpick] if bpick < len(candidates) else None)
    if all(b is None for b in biases):
        return layouts, False
    if any(b is None for b in biases):
        return None
    for l, (arr, paths) in enumerate(biases):
        layouts.insert(2 * l + 1, ParamLayout(bias_key(l), path_text(paths[0]), arr.shape, False, tuple(paths)))
    return layouts, True


def candidate_counts(arrays, sizes) -> dict[str, int]:
    """How many candidates each key has (to know which alternatives exist)."""
    counts = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        counts[weight_key(l)] = len(weight_candidates(arrays, n_in, n_out))
        counts[bias_key(l)] = len(bias_candidates(arrays, n_out))
    return counts


def read(obj, path):
    """The value at ``path`` below ``obj``."""
    for kind, step in path:
        obj = getattr(obj, step) if kind == "attr" else obj[step]
    return obj


def write(obj, path, value) -> None:
    """Put ``value`` at ``path`` below ``obj`` (the container is kept: a dict or a list is written into)."""
    *head, (kind, step) = path
    parent = read(obj, head)
    if kind == "attr":
        setattr(parent, step, value)
    else:
        parent[step] = value


def set_params(obj, layouts: list[ParamLayout], params: dict, dtype) -> None:
    """Give the object these parameters (torch layout).

    Written into the array the object holds when it has the right shape and dtype, so that every
    reference to it - a layer object holding the very array of a params dict, a closure - sees the
    new values; otherwise (another dtype) one new array per parameter, put at every path that held it.
    A view into a larger buffer (weights sliced from one flat vector) is always written into: a new
    array there would never be read; the values are then rounded to ``dtype`` and stored in the buffer's.
    """
    for layout in layouts:
        value = layout.to_user(params[layout.key]).astype(dtype)
        current = read(obj, layout.paths[0])
        if isinstance(current, np.ndarray) and current.shape == value.shape and current.flags.writeable \
                and (current.dtype == value.dtype or current.base is not None):
            current[...] = value
            continue
        for path in layout.paths:
            write(obj, path, value)


def get_params(obj, layouts: list[ParamLayout]) -> dict[str, np.ndarray]:
    """The object's parameters as it holds them now (the user's layout; copies), from each one's first path."""
    return {layout.key: np.array(read(obj, layout.paths[0]), copy=True) for layout in layouts}


def as_torch(layouts: list[ParamLayout], user_params: dict) -> dict[str, np.ndarray]:
    """Parameters in the user's layout (as ``get_params`` reads them) -> torch layout."""
    return {layout.key: layout.to_torch(user_params[layout.key]) for layout in layouts}
