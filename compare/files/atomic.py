"""Writing results safely: every file appears whole or not at all.

Each writer goes to a temporary file in the destination directory and then
``os.replace``s it into place (atomic on POSIX), so an interrupted run never
leaves a half-written report, JSON or figure behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np


def atomic_write(path: str | Path, write) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600 files; a report is meant to be shared, so apply the usual umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes(path: str | Path, data: bytes) -> Path:
    return atomic_write(path, lambda handle: handle.write(data))


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def to_jsonable(obj):
    """numpy scalars/arrays, tuples and non-finite floats -> plain JSON values.

    NaN and inf become the strings "nan", "inf", "-inf" so that the file is
    strict JSON that any parser reads.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    return obj


# Every JSON object the tool writes starts with this, so that a script can tell which layout it reads.
# It goes up when a key is removed or changes meaning (new keys keep it).
SCHEMA_VERSION = 1


def write_json(path: str | Path, obj) -> Path:
    """``obj`` as strict, indented JSON; a dict gets ``schema_version`` as its first key."""
    if isinstance(obj, dict):
        obj = {"schema_version": SCHEMA_VERSION, **{k: v for k, v in obj.items() if k != "schema_version"}}
    return write_text(path, json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n")
