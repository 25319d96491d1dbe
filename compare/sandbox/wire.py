"""The messages between the checker and the process that runs the user's code.

A message is a JSON header followed by the arrays it carries, each as ``.npy`` bytes
(read back with ``allow_pickle=False``: nothing in a message is ever executed):

    8-byte big-endian header length | header (UTF-8 JSON) | array 1 (.npy) | array 2 | ...

Arrays inside a value are replaced by ``{"__array__": i}`` (the i-th array that follows);
anything that is neither JSON nor a numeric array (a user's own object, an object array)
travels as ``{"__object__": "its type name"}``, so the checker can say what it got without
holding it. A sentence (``compare.language.catalogue.Said``) travels with its template key and
values, so that the report can say it in Russian too. A message larger than the limit is refused
(``WireError``): the reader never allocates what the writer claims before checking it.
"""

from __future__ import annotations

import io
import json
import math
import struct

import numpy as np

from compare.language.catalogue import Said
from compare.sandbox.texts import say

MAX_MESSAGE = 256 * 2**20   # bytes: far above a check's arrays (a few MB), far below the machine's memory
_LENGTH = struct.Struct(">Q")


class WireError(Exception):
    """The other side sent something that is not a message (it died, or wrote garbage)."""


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def encode(value, arrays: list[bytes]):
    """``value`` as JSON-able data, its numeric arrays appended to ``arrays`` as .npy bytes."""
    if isinstance(value, Said):
        return {"__said__": [str(value), value.key, encode(value.values, arrays)]}
    if isinstance(value, np.ndarray):
        if value.dtype == object or value.dtype.kind not in "biufc":
            return {"__object__": encode(say("wire.object_array", dtype=str(value.dtype), shape=value.shape), arrays)}
        arrays.append(_npy(np.ascontiguousarray(value)))
        return {"__array__": len(arrays) - 1}
    if isinstance(value, np.generic):
        return encode(value.item(), arrays) if value.dtype.kind in "biuf" else encode(np.asarray(value), arrays)
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, arrays), encode(v, arrays)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return {"__list__" if isinstance(value, list) else "__tuple__": [encode(v, arrays) for v in value]}
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"__object__": type(value).__name__}


def decode(value, arrays: list[np.ndarray]):
    """The inverse of :func:`encode`."""
    if isinstance(value, dict):
        if "__array__" in value:
            return arrays[value["__array__"]]
        if "__dict__" in value:
            return {_hashable(decode(k, arrays)): decode(v, arrays) for k, v in value["__dict__"]}
        if "__list__" in value:
            return [decode(v, arrays) for v in value["__list__"]]
        if "__tuple__" in value:
            return tuple(decode(v, arrays) for v in value["__tuple__"])
        if "__float__" in value:
            return float(value["__float__"])
        if "__object__" in value:
            type_name = decode(value["__object__"], arrays)
            return Opaque(type_name if isinstance(type_name, str) else "object")
        if "__said__" in value:
            return _said(value["__said__"], arrays)
        return {k: decode(v, arrays) for k, v in value.items()}
    return value


def _said(data, arrays: list[np.ndarray]):
    """A sentence sent as [text, key, values]; anything else in its place (the other side is user code) is opaque."""
    if not (isinstance(data, list) and len(data) == 3 and isinstance(data[0], str)):
        return Opaque("malformed sentence")
    values = decode(data[2], arrays)
    return Said(data[0], data[1] if isinstance(data[1], str) else None, values if isinstance(values, dict) else {})


def _hashable(key):
    return key if not isinstance(key, (list, dict, np.ndarray)) else repr(key)


class Opaque:
    """Something the other side held that could not cross (its type name only)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Opaque) and other.type_name == self.type_name

    def __hash__(self) -> int:
        return hash(self.type_name)


def send(stream, message: dict) -> None:
    """Write one message (a dict of JSON values and arrays) and flush."""
    arrays: list[bytes] = []
    body = encode(message, arrays)
    header = json.dumps({"body": body, "arrays": [len(a) for a in arrays]}, allow_nan=False).encode()
    stream.write(_LENGTH.pack(len(header)) + header + b"".join(arrays))
    stream.flush()


def _read_exact(stream, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise WireError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(stream, limit: int = MAX_MESSAGE) -> dict:
    """Read one message; ``WireError`` if the stream ends, or the message is malformed or over ``limit`` bytes."""
    (length,) = _LENGTH.unpack(_read_exact(stream, _LENGTH.size))
    if length > limit:
        raise WireError(f"a message header of {length} bytes is over the limit of {limit}")
    try:
        header = json.loads(_read_exact(stream, length))
        sizes = [int(n) for n in header["arrays"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise WireError(f"a malformed message ({exc})") from None
    if length + sum(sizes) > limit:
        raise WireError(f"a message of {length + sum(sizes)} bytes is over the limit of {limit}")
    arrays = []
    for size in sizes:
        try:
            arrays.append(np.load(io.BytesIO(_read_exact(stream, size)), allow_pickle=False))
        except ValueError as exc:
            raise WireError(f"an array that is not .npy data ({exc})") from None
    return decode(header["body"], arrays)
