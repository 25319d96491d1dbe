"""Parse and print names with parameters, such as ``leaky_relu(negative_slope=0.2)``.

Activations, initialisers and optimizers are chosen by a string, so that a
command line, a JSON file and a Python call all say the same thing:

    "relu"                          -> ("relu", {})
    "normal(std=0.1)"               -> ("normal", {"std": 0.1})
    "uniform(a=-0.5, b=0.5)"        -> ("uniform", {"a": -0.5, "b": 0.5})

Values are numbers (``float``), or ``true``/``false``. :func:`resolve` looks such a
string up in a registry (a dict whose entries carry their ``defaults``) - activations,
initialisers and optimizers all resolve their names this one way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .errors import InvalidInput, unknown_name

_CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$")


def _parse_value(text: str, where: str) -> float | bool:
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return float(low)
    except ValueError:
        raise InvalidInput(f"in {where!r}: {text.strip()!r} is not a number") from None


def parse_named(text: str) -> tuple[str, dict[str, float | bool]]:
    """Split ``"name(key=value, ...)"`` into the name and a dict of parameters."""
    if not isinstance(text, str):
        raise TypeError(f"expected a name as a string, got {type(text).__name__}")
    match = _CALL.match(text)
    if match is None:
        raise InvalidInput(f"cannot read {text!r}: expected a name or name(key=value, ...)")
    name, inner = match.group(1), match.group(2)
    params: dict[str, float | bool] = {}
    if inner and inner.strip():
        for item in inner.split(","):
            key, eq, value = item.partition("=")
            if not eq or not key.strip().isidentifier():
                raise InvalidInput(f"cannot read {item.strip()!r} in {text!r}: expected key=value")
            params[key.strip()] = _parse_value(value, text)
    return name, params


def format_named(name: str, params: dict) -> str:
    """Inverse of :func:`parse_named`: ``("normal", {"std": 0.1}) -> "normal(std=0.1)"``."""
    if not params:
        return name
    parts = [f"{k}={str(v).lower() if isinstance(v, bool) else f'{v:g}'}" for k, v in params.items()]
    return f"{name}({', '.join(parts)})"


def split_list(text: str) -> list[str]:
    """Split a comma-separated list, keeping commas inside parentheses.

    >>> split_list("relu, leaky_relu(negative_slope=0.2), uniform(a=-1, b=1)")
    ['relu', 'leaky_relu(negative_slope=0.2)', 'uniform(a=-1, b=1)']
    """
    items, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def check_params(kind: str, name: str, given: dict, defaults: dict) -> dict:
    """Merge ``given`` over ``defaults``; refuse keys the entry does not take and values of the wrong kind.

    A parameter whose default is a flag takes ``true``/``false``; every other one takes a finite number.
    """
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        accepted = ", ".join(defaults) or "none"
        raise InvalidInput(
            f"{kind} {name!r} has no parameter {unknown[0]!r}; its parameters are: {accepted}"
        )
    for key, value in given.items():
        if isinstance(defaults[key], bool) != isinstance(value, bool):
            wanted = "true or false" if isinstance(defaults[key], bool) else "a number"
            raise InvalidInput(f"{kind} {name!r}: parameter {key} takes {wanted}, got {value!r}")
        if not isinstance(value, bool) and not math.isfinite(value):
            raise InvalidInput(f"{kind} {name!r}: parameter {key} must be finite, got {value!r}")
    return {**defaults, **given}


def resolve(kind: str, text: str, registry: Mapping) -> tuple[str, dict]:
    """``"leaky_relu(negative_slope=0.2)"`` -> ``("leaky_relu", {every parameter, defaults filled in})``.

    ``registry`` maps names to entries with a ``defaults`` dict; an unknown name lists the
    valid ones (with a "did you mean"), a parameter the entry does not take is refused.
    """
    name, given = parse_named(text)
    if name not in registry:
        raise unknown_name(kind, name, registry)
    return name, check_params(kind, name, given, registry[name].defaults)


def canonical(name: str, params: dict, defaults: dict) -> str:
    """The one spelling of a resolved name: only the parameters that differ from the defaults are written."""
    return format_named(name, {k: v for k, v in params.items() if defaults.get(k) != v})
