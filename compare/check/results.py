"""What a check produces: the configuration, one report-card line (``Check``), the ``Report``.

Also the helpers that read a class's reported loss (a returned list or a
printed line, with the precision of its printed digits) and the fixed batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from compare.check.findings import Finding
from compare.check.user_calls import Outcome
from compare.measure.records import summarize
from handmade.data import letters, noisy_letters

# Seconds one call into the user's code may take (forward, backward, one train call) before
# it is a finding: generous for loop-style code (a whole check of one takes ~0.2 s), short
# enough that an endless loop is reported instead of waited for.
DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class CheckConfig:
    """The settings of one check. ``timeout``: seconds per call into user code (None or 0: no limit)."""

    interface: str = "auto"
    hidden: int = 16
    activation: str = "relu"
    output_activation: str = "identity"
    loss: str = "mse"
    dtypes: tuple[str, ...] = ("float64", "float32")
    seed: int = 0
    lr: float = 0.1
    epochs: int = 10
    timeout: float | None = DEFAULT_TIMEOUT

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


@dataclass
class Check:
    """One line of the report card. ``rel`` is the compared tensor's max relative difference, if any."""

    name: str
    kind: str
    dtype: str
    passed: bool
    param: str | None = None
    rel: float | None = None
    tolerance: float | None = None
    findings: list[Finding] = field(default_factory=list)
    counted: bool = True
    in_worst: bool = True  # False for a printed loss, which matches only to its printed digits

    @property
    def max_rel_diff(self) -> float:  # for records.summarize
        return self.rel if self.rel is not None and self.in_worst else 0.0

    @property
    def status(self) -> str:
        if not self.counted:
            return "note"
        return "ok" if self.passed else "FAIL"

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "dtype": self.dtype, "status": self.status,
                "passed": self.passed, "counted": self.counted, "param": self.param, "rel_diff": self.rel,
                "tolerance": self.tolerance, "findings": [f.to_dict() for f in self.findings]}


@dataclass
class Report:
    target: str
    interface: str
    construction: str
    config: CheckConfig
    sizes: tuple[int, ...]
    checks: list[Check] = field(default_factory=list)
    overview: dict[str, list[Finding]] = field(default_factory=dict)  # per dtype: first wrong layer ...

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks if c.counted)

    def summary(self) -> dict:
        return summarize(self.checks)

    def failing(self, dtype: str | None = None) -> list[Check]:
        return [c for c in self.checks if c.counted and not c.passed and (dtype is None or c.dtype == dtype)]

    def check(self, name: str, dtype: str = "float64") -> Check:
        return next(c for c in self.checks if c.name == name and c.dtype == dtype)

    def first_wrong_gradient(self, dtype: str = "float64") -> Check | None:
        return next((c for c in self.failing(dtype) if c.kind == "gradient"), None)

    def to_dict(self) -> dict:
        return {"summary": self.summary(), "target": self.target, "interface": self.interface,
                "construction": self.construction, "sizes": list(self.sizes), "config": self.config.to_dict(),
                "passed": self.passed, "checks": [c.to_dict() for c in self.checks],
                "overview": {k: [f.to_dict() for f in v] for k, v in self.overview.items()}}


def check_batches() -> dict[str, np.ndarray]:
    """Batch A (5 rows: the three letters and two noisy copies), batch B (5 other rows), other targets."""
    X0, Y0 = letters()
    Xn, Yn = noisy_letters(flips=3, copies=3, seed=11)
    return {"X": np.vstack([X0, Xn[:2]]), "Y": np.vstack([Y0, Yn[:2]]), "XB": Xn[2:7], "YB": Yn[2:7],
            "Y_other": np.roll(np.vstack([Y0, Yn[:2]]), 1, axis=1) * 0.5 + 0.25}


_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"


def parse_reported_loss(text: str) -> tuple[float, float] | None:
    """The first loss a training printout shows, with its printed precision (half a unit in the last digit)."""
    for line in text.splitlines():
        match = re.search(rf"loss\W*?({_NUMBER})", line, flags=re.IGNORECASE)
        numbers = [match.group(1)] if match else (re.findall(_NUMBER, line) if "loss" in line.lower() else [])
        if numbers:
            return _with_precision(numbers[-1] if not match else numbers[0])
    return None


def _with_precision(token: str) -> tuple[float, float]:
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return float(token), 0.5 * 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def reported_loss(outcome: Outcome) -> tuple[float, float, str] | None:
    """(value, absolute precision, where) from train's return value, else from what it printed."""
    value = outcome.value
    try:
        if isinstance(value, (list, tuple, np.ndarray)) and len(value) > 0:
            return float(np.asarray(value[0], dtype=np.float64).ravel()[0]), 0.0, "returned list"
        if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
            return float(value), 0.0, "returned value"
    except (TypeError, ValueError):
        pass
    parsed = parse_reported_loss(outcome.stdout)
    return (parsed[0], parsed[1], "printed") if parsed else None
