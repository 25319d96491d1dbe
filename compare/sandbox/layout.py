"""Where a parameter lives in someone's object, and how its layout maps to torch's.

A network's parameters are named by torch's keys (``layers.l.weight`` (out, in),
``layers.l.bias`` (out,)); a class under test keeps each one somewhere - an attribute,
a dict entry, a list item, an attribute of a layer object, or several of these holding
the same array - in one of two orientations: (out, in) as torch, or (in, out) as in
``X @ W``; a bias may be (n,), (1, n) or (n, 1). :class:`ParamLayout` records that and
converts both ways; it travels between the checker and the process running the user's
code as plain data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class ParamLayout:
    """One parameter: its torch ``key``, the user's ``name`` for it, its shape there, and where it lives.

    ``paths``: every place holding it, each a list of steps ``["attr", "W1"]``, ``["item", "W1"]``
    (a dict key) or ``["index", 0]`` (a list position), from the object down. ``transposed``: a
    weight kept as (in, out).
    """

    key: str
    name: str
    shape: tuple[int, ...]
    transposed: bool = False
    paths: tuple = field(default_factory=tuple)

    def to_torch(self, arr: np.ndarray) -> np.ndarray:
        """An array in the user's layout (this shape) -> torch layout."""
        arr = np.asarray(arr)
        if self.key.endswith("weight"):
            return np.ascontiguousarray(arr.T if self.transposed else arr)
        return np.ascontiguousarray(arr.reshape(-1))

    def to_user(self, arr: np.ndarray) -> np.ndarray:
        """An array in torch layout -> the user's layout (a fresh copy)."""
        arr = np.asarray(arr)
        if self.key.endswith("weight") and self.transposed:
            arr = arr.T
        return np.array(arr.reshape(self.shape), copy=True)

    def to_message(self) -> dict:
        return {**asdict(self), "shape": list(self.shape), "paths": [list(map(list, p)) for p in self.paths]}

    @classmethod
    def from_message(cls, data: dict) -> ParamLayout:
        return cls(key=data["key"], name=data["name"], shape=tuple(data["shape"]), transposed=data["transposed"],
                   paths=tuple(tuple(tuple(step) for step in p) for p in data["paths"]))


def path_text(path) -> str:
    """``[("attr", "params"), ("item", "W1")]`` -> ``params['W1']``."""
    text = ""
    for kind, step in path:
        if kind == "attr":
            text += f".{step}" if text else str(step)
        elif kind == "item":
            text += f"[{step!r}]"
        else:
            text += f"[{step}]"
    return text
