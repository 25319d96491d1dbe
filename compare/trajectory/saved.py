"""A saved sweep (``mlp-parity sweep --curves --json FILE``), read back and checked, for ``mlp-parity plot``.

The JSON stores non-finite numbers as the strings "nan", "inf" and "-inf" (strict JSON;
see ``compare.files.atomic.to_jsonable``); :func:`sweep_from_document` turns them back
into floats in every numeric column and curve, and refuses, with one line that says
what is wrong and what to do, anything that is not a sweep with curves.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from compare.files.atomic import SCHEMA_VERSION
from compare.trajectory.grid import CSV_COLUMNS
from handmade.contract.errors import InvalidInput

# What a row needs for the figures: where the cell sits in the grid, and what it measured.
GRID_KEYS = ("activation", "lr", "init", "seed", "optimizer", "dtype")
NUMERIC_KEYS = ("checked_rel_diff", "worst_rel_diff", "final_loss_handmade", "final_loss_torch")
CURVE_KEYS = ("handmade", "torch", "abs_diff")
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _number(value, where: str) -> float:
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInput(f"{where} is {value!r}, not a number")
    return float(value)


def _curves(row: dict, where: str) -> dict:
    curves = row["curves"]
    if not isinstance(curves, dict) or any(not isinstance(curves.get(k), list) for k in CURVE_KEYS):
        raise InvalidInput(f"{where}: 'curves' must hold the lists {', '.join(CURVE_KEYS)}")
    out = {k: [_number(v, f"{where}, curves.{k}[{i}]") for i, v in enumerate(curves[k])] for k in CURVE_KEYS}
    if not out["handmade"] or not out["torch"]:
        raise InvalidInput(f"{where}: empty loss curve")
    return out


def sweep_from_document(document, source: str) -> dict:
    """``document`` (a decoded sweep JSON) checked, with numbers as floats; ``source`` names it in errors."""
    hint = "write one with: mlp-parity sweep --curves --json FILE"
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list) or not document["cells"]:
        raise InvalidInput(f"{source} is not a sweep result (no 'cells' rows); {hint}")
    version = document.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise InvalidInput(f"{source} has schema_version {version!r}; this mlp-parity reads up to {SCHEMA_VERSION}")
    rows = []
    for index, row in enumerate(document["cells"], start=1):
        where = f"{source}, cell {index}"
        if not isinstance(row, dict) or any(key not in row for key in GRID_KEYS + ("status",)):
            raise InvalidInput(f"{source} is not a sweep result (cell {index} lacks "
                               f"{', '.join(k for k in GRID_KEYS if not isinstance(row, dict) or k not in row)}); "
                               f"{hint}")
        if "curves" not in row:
            raise InvalidInput(f"{source} has no per-epoch curves; run the sweep again with --curves (or --plots DIR)")
        clean = {key: row.get(key) for key in CSV_COLUMNS if key in row}
        clean.update({key: _number(row[key], f"{where}, {key}") for key in NUMERIC_KEYS if key in row})
        clean["curves"] = _curves(row, where)
        rows.append(clean)
    return {**document, "cells": rows}


def load_sweep(path: str | Path) -> dict:
    """Read and check a sweep JSON written with ``--curves`` (InvalidInput on anything else)."""
    path = Path(path)
    if path.is_dir():
        raise InvalidInput(f"{str(path)!r} is a directory; give the sweep's JSON file")
    raw = path.read_bytes()  # an unreadable path is an OSError: the CLI names it
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not a text file (a sweep's JSON is UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        cut = " (the file ends early: truncated?)" if exc.pos >= len(raw.rstrip()) else ""
        raise InvalidInput(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{cut}") \
            from None
    return sweep_from_document(document, str(path))
