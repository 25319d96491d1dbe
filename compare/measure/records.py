"""One comparison of two tensors, as a record the tables, JSON and plots read."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from compare.measure.differences import rel_diff


@dataclass
class Record:
    """``a`` (handmade) against ``b`` (the reference), tensor-wise.

    ``max_rel_diff = max|a - b| / max(max|a|, max|b|)`` (see ``compare.measure.tolerance``);
    ``worst_index`` is where ``|a - b|`` peaks. ``counted`` is False for records
    shown for information only (they never fail a run).
    """

    name: str
    kind: str
    shape: tuple
    max_abs_diff: float
    max_rel_diff: float
    worst_index: tuple
    handmade_at_worst: float
    reference_at_worst: float
    tolerance: float
    passed: bool
    counted: bool = True
    layer: int | None = None
    note: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["worst_index"] = list(self.worst_index)
        return d


# The arguments after ``tolerance`` are the Record's optional fields, passed through as they are named.
def compare_arrays(name: str, a, b, tolerance: float, kind: str = "tensor",  # noqa: PLR0913
                   layer: int | None = None, counted: bool = True, note: str = "") -> Record:
    """Compare two arrays; a shape mismatch or a non-finite value is a failure, not an exception."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return Record(name, kind, tuple(b.shape), float("inf"), float("inf"), (), float("nan"), float("nan"),
                      tolerance, False, counted, layer, f"shape {a.shape} vs reference {b.shape}")
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(a - b)
    finite = bool(np.all(np.isfinite(a)) and np.all(np.isfinite(b)))
    if not finite:
        same = bool(np.array_equal(a, b, equal_nan=True))
        return Record(name, kind, a.shape, 0.0 if same else float("inf"), 0.0 if same else float("inf"), (),
                      float("nan"), float("nan"), tolerance, same, counted, layer,
                      note or "non-finite values")
    if a.size == 0:
        return Record(name, kind, a.shape, 0.0, 0.0, (), 0.0, 0.0, tolerance, True, counted, layer, note)
    worst = np.unravel_index(int(np.argmax(abs_diff)), a.shape)
    rel = rel_diff(a, b)
    return Record(
        name=name, kind=kind, shape=a.shape, max_abs_diff=float(abs_diff[worst]), max_rel_diff=rel,
        worst_index=tuple(int(i) for i in worst), handmade_at_worst=float(a[worst]),
        reference_at_worst=float(b[worst]), tolerance=tolerance, passed=rel <= tolerance,
        counted=counted, layer=layer, note=note,
    )


def summarize(records) -> dict:
    """The ``summary`` object every command writes: checks, failed, worst_rel_diff (counted only)."""
    counted = [r for r in records if r.counted]
    worst = max((r.max_rel_diff for r in counted), default=0.0)
    return {
        "checks": len(counted),
        "failed": sum(not r.passed for r in counted),
        "worst_rel_diff": worst,
    }
