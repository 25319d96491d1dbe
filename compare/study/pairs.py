"""Training both implementations from the same spec and plan, and comparing the two runs.

``train_many(specs, X, Y, plan, side)`` is the one place the study trains
networks. It loops today; a batched trainer (many small nets in one tensor
program) can replace its body without touching the tasks, because every task
asks for "K networks, one plan" through it.

A pair run's comparison is the per-epoch loss of the two sides:
``abs_diff[k-1] = |L_handmade(k) - L_torch(k)|`` and one record
``rel = max_k |L_h(k) - L_t(k)| / max_k max(|L_h(k)|, |L_t(k)|)`` judged by the
dtype's ``trajectory`` tolerance (``compare.tolerance``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handmade.model import MLP
from handmade.spec import MLPSpec
from handmade.train import History, TrainPlan, train

from ..records import Record, compare_arrays
from ..tolerance import tolerance_for

SIDES = ("handmade", "torch")


def train_many(specs: list[MLPSpec], X: np.ndarray, Y: np.ndarray, plan: TrainPlan,
               side: str = "handmade") -> list[History]:
    """Train one network per spec (each from ``spec.init_params()``) with one plan; one History each."""
    if side == "handmade":
        return [train(MLP(spec), X, Y, plan) for spec in specs]
    if side == "torch":
        from torch_ref import TorchMLP, train_torch

        return [train_torch(TorchMLP(spec), X, Y, plan) for spec in specs]
    raise ValueError(f"side must be one of {SIDES}, got {side!r}")


def epochs_to(loss: np.ndarray, threshold: float) -> int | None:
    """The first epoch (1-based) whose loss is <= threshold, or None if the run never gets there."""
    hits = np.flatnonzero(np.asarray(loss) <= threshold)
    return int(hits[0]) + 1 if hits.size else None


def loss_abs_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a_k - b_k| over the epochs both runs have (a diverged run may be shorter)."""
    n = min(len(a), len(b))
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(np.asarray(a[:n], dtype=np.float64) - np.asarray(b[:n], dtype=np.float64))


def compare_histories(name: str, mine: History, ref: History, dtype: str = "float64") -> tuple[Record, np.ndarray]:
    """The trajectory record (counted) and the per-epoch absolute loss difference."""
    record = compare_arrays(name, mine.loss, ref.loss, tolerance_for(dtype).trajectory, kind="trajectory")
    return record, loss_abs_diff(mine.loss, ref.loss)


@dataclass
class PairRun:
    """One spec and plan trained on both sides, and how far apart the two loss curves are."""

    name: str
    spec: MLPSpec
    plan: TrainPlan
    handmade: History
    torch: History
    record: Record
    abs_diff: np.ndarray

    def summary(self, threshold: float) -> dict:
        """The numbers a table row needs; curves are kept separately."""
        h, t = self.handmade.loss, self.torch.loss
        finite = self.abs_diff[np.isfinite(self.abs_diff)]
        return {
            "final_loss_handmade": float(h[-1]),
            "final_loss_torch": float(t[-1]),
            "epochs_to_threshold_handmade": epochs_to(h, threshold),
            "epochs_to_threshold_torch": epochs_to(t, threshold),
            "diverged_at": self.handmade.diverged_at,
            "max_abs_diff": float(finite.max()) if finite.size else float("nan"),
            "epochs_exactly_equal": int(np.sum(self.abs_diff == 0)),
            "epochs": int(len(h)),
            "rel_diff": self.record.max_rel_diff,
            "passed": self.record.passed,
        }

    def curves(self) -> dict:
        return {"handmade": self.handmade.loss, "torch": self.torch.loss, "abs_diff": self.abs_diff}


def run_pair(name: str, spec: MLPSpec, X, Y, plan: TrainPlan) -> PairRun:
    """Train ``spec`` with ``plan`` on both sides from the same initial parameters."""
    (mine,) = train_many([spec], X, Y, plan, "handmade")
    (ref,) = train_many([spec], X, Y, plan, "torch")
    record, diff = compare_histories(name, mine, ref, spec.dtype)
    return PairRun(name, spec, plan, mine, ref, record, diff)


def torch_predict(spec: MLPSpec, params: dict, X: np.ndarray) -> np.ndarray:
    """The torch network with ``params`` applied to X (inference, no graph); numpy out."""
    import torch

    from torch_ref import TorchMLP

    model = TorchMLP(spec, params)
    with torch.no_grad():
        return model(model.tensor(X)).numpy()
