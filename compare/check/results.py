"""What a check produces: the configuration, one report-card line (``Check``), the ``Report``.

Also the helpers that read a class's reported loss (a returned list or a
printed line, with the precision of its printed digits) and the fixed batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from compare.check.findings import Finding
from compare.check.texts import say
from compare.language.said_json import resay, sentences_of
from compare.measure.records import summarize
from compare.sandbox.calls import Outcome
from handmade.data import letters, noisy_letters
from handmade.losses import get_loss

# Seconds one call into the user's code may take (forward, backward, one train call) before
# it is a finding: generous for loop-style code (a whole check of one takes ~0.2 s), short
# enough that an endless loop is reported instead of waited for.
DEFAULT_TIMEOUT = 20.0


DEFAULT_MEMORY = 2 * 2**30  # bytes of address space for the process that runs the user's code


@dataclass(frozen=True)
class CheckConfig:
    """The settings of one check.

    ``timeout``: seconds per call into user code (None or 0: no limit); ``memory``: bytes the process
    running it may take (None: no limit); ``hidden``: hidden widths the class is built with
    (``hidden_given``: the user chose them, so a deeper constructor does not get its own);
    ``class_name``: which class of the file; ``init_args``: constructor values the user fixes;
    ``adapter``: a glue file that says how to drive the class instead of discovery.
    """

    hidden: tuple[int, ...] = (16,)
    hidden_given: bool = False
    activation: str = "relu"
    output_activation: str | None = None   # None: identity, or the link of a classification loss
    loss: str = "mse"
    dtypes: tuple[str, ...] = ("float64", "float32")
    seed: int = 0
    lr: float = 0.1
    epochs: int = 10
    timeout: float | None = DEFAULT_TIMEOUT
    memory: int | None = DEFAULT_MEMORY
    class_name: str | None = None
    init_args: tuple = ()   # (name, value) pairs
    adapter: str | None = None   # a glue file (compare.sandbox.glue) that states how to drive the class

    def __post_init__(self):
        if self.output_activation is None:  # not said: a classifier returns its link's probabilities
            object.__setattr__(self, "output_activation", get_loss(self.loss).link or "identity")

    def to_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> CheckConfig:
        return cls(**{k: (tuple(tuple(p) if isinstance(p, list) else p for p in v) if isinstance(v, list) else v)
                      for k, v in data.items()})


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
                "tolerance": self.tolerance, "in_worst": self.in_worst,
                "findings": [f.to_dict() for f in self.findings]}

    @classmethod
    def from_dict(cls, data: dict) -> Check:
        return cls(data["name"], data["kind"], data["dtype"], data["passed"], data["param"], data["rel_diff"],
                   data["tolerance"], [Finding.from_dict(f) for f in data["findings"]], data["counted"],
                   data["in_worst"])


NOT_CHECKED = "not checked"


@dataclass
class Report:
    """A check's result. ``plan``: how the class was understood (``compare.sandbox.plan``); ``not_checked``:
    ``{"reason", "fix"}`` when the tool could not drive the class at all (not the same as wrong)."""

    target: str
    config: CheckConfig
    plan: dict | None = None
    not_checked: dict | None = None
    checks: list[Check] = field(default_factory=list)
    overview: dict[str, list[Finding]] = field(default_factory=dict)  # per dtype: first wrong layer ...
    notes: list[str] = field(default_factory=list)
    restarts: int = 0

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(self.plan["sizes"]) if self.plan else ()

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def status(self) -> str:
        """"failed" when a check found something, else "not checked" if part of the class could not be
        driven, else "passed". A finding is a finding even where other parts could not be checked."""
        if any(not c.passed for c in self.checks if c.counted):
            return "failed"
        return NOT_CHECKED if self.not_checked is not None else "passed"

    def summary(self) -> dict:
        return {**summarize(self.checks), "not_checked": int(self.not_checked is not None), "status": self.status}

    def failing(self, dtype: str | None = None) -> list[Check]:
        return [c for c in self.checks if c.counted and not c.passed and (dtype is None or c.dtype == dtype)]

    def check(self, name: str, dtype: str = "float64") -> Check:
        return next(c for c in self.checks if c.name == name and c.dtype == dtype)

    def first_wrong_gradient(self, dtype: str = "float64") -> Check | None:
        return next((c for c in self.failing(dtype) if c.kind == "gradient"), None)

    def to_dict(self) -> dict:
        """The report as JSON data: English strings, and under ``sentences`` the templates of the check names,
        notes and "understood as" lines, so that :meth:`from_dict` gives a report that says them in Russian."""
        data = {"summary": self.summary(), "target": self.target, "status": self.status,
                "not_checked": self.not_checked, "understood": self.plan, "notes": self.notes,
                "sizes": list(self.sizes), "config": self.config.to_dict(), "passed": self.passed,
                "checks": [c.to_dict() for c in self.checks], "restarts": self.restarts,
                "overview": {k: [f.to_dict() for f in v] for k, v in self.overview.items()}}
        sentences = sentences_of({"not_checked": self.not_checked, "understood": self.plan, "notes": self.notes,
                                  "checks": [{"name": c.name} for c in self.checks]})
        return {**data, "sentences": sentences}

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        data = resay(data, data.get("sentences", {}))
        return cls(data["target"], CheckConfig.from_dict(data["config"]), data["understood"], data["not_checked"],
                   [Check.from_dict(c) for c in data["checks"]],
                   {k: [Finding.from_dict(f) for f in v] for k, v in data["overview"].items()}, list(data["notes"]),
                   data["restarts"])


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
            return float(np.asarray(value[0], dtype=np.float64).ravel()[0]), 0.0, say("loss_source.returned_list")
        if isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool):
            return float(value), 0.0, say("loss_source.returned_value")
    except (TypeError, ValueError):
        pass
    parsed = parse_reported_loss(outcome.stdout)
    return (parsed[0], parsed[1], say("loss_source.printed")) if parsed else None
