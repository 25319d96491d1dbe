"""The one exception type for bad input, shared by every package.

``InvalidInput`` is a ``ValueError``, so API users can catch the standard type;
the CLI catches exactly this class (and never a bare ``ValueError``, which
would turn a real bug into a polite one-line message).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InvalidInput(ValueError):
    """A user-supplied value is wrong; the message names it and the valid choices."""


def unknown_name(kind: str, name: str, valid: Iterable[str]) -> InvalidInput:
    """Build the error for an unknown registry name, with a "did you mean" hint.

    >>> str(unknown_name("activation", "rleu", ["relu", "tanh"]))
    "unknown activation 'rleu' (did you mean 'relu'?); supported activations are: relu, tanh"
    """
    valid = sorted(valid)
    close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    plural = kind + ("es" if kind.endswith("s") else "s")
    return InvalidInput(f"unknown {kind} {name!r}{hint}; supported {plural} are: {', '.join(valid)}")
