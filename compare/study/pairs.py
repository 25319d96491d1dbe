"""Training both implementations from the same spec and plan, and comparing the two runs.

``train_many(specs, X, Y, plan, side)`` is the one place the study trains
networks. Specs that share a shape (sizes, activations, loss, dtype; init and
seed may differ) are trained together in one batched call -
``handmade.fast.batched.train_batched`` or ``torch_ref.batched.train_torch_batched``:
K networks as stacked weights (K, out, in) and one batched matmul per layer.
A shape with a single spec runs alone through ``handmade.train`` /
``torch_ref.train_torch``, so the study's single runs (tasks 1 and 3) keep the
plain trainers.

A pair run's comparison is the harness's one trajectory verdict
(``compare.trajectory.verdict.compare_histories``: the floored per-epoch relative
difference against the dtype's ``trajectory`` tolerance; runs that part are
re-synchronised step by step by ``compare.trajectory.resync.settle_parting`` and
called *sensitive dynamics* or *mismatch*). :func:`parity` turns it into one
counted record: ``max_rel_diff`` is the verdict's ``checked_rel_diff``, the note
its status and reason.

Batched handmade against batched torch shares one training loop
(``handmade.contract.runs.run_members``), so a fault in that loop would show on
both sides alike. :func:`check_batched` closes the gap: it retrains a few
members alone with ``handmade.train`` and compares loss curve and final
parameters (records of kind ``batched``, section "batched" of the parity
summary).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch

from compare.measure.records import Record, compare_arrays, summarize
from compare.measure.tolerance import tolerance_for
from compare.study.outcomes import epochs_to
from compare.trajectory.resync import settle_parting
from compare.trajectory.verdict import SENSITIVE, TrajectoryComparison, compare_histories
from handmade.contract.plan import TrainPlan
from handmade.contract.runs import History
from handmade.contract.spec import SHARED_FIELDS, MLPSpec
from handmade.fast import batched as handmade_batched
from handmade.train import train_each
from torch_ref import batched as torch_batched
from torch_ref.model import TorchMLP
from torch_ref.train import train_torch_each

SIDES = ("handmade", "torch")
BATCHED_KIND = "batched"  # record kind (and parity section) of the batched-vs-separate comparisons


def shape_of(spec: MLPSpec) -> tuple:
    """The fields that must be equal for two networks to be trained in one batch."""
    return tuple(getattr(spec, name) for name in SHARED_FIELDS)


def _trainers(side: str):
    """(one run per spec, one batched run) of a side: handmade.fast.batched or torch_ref.batched."""
    if side == "handmade":
        return train_each, handmade_batched.train_batched
    if side == "torch":
        return train_torch_each, torch_batched.train_torch_batched
    raise ValueError(f"side must be one of {SIDES}, got {side!r}")


def train_separately(specs: list[MLPSpec], X: np.ndarray, Y: np.ndarray, plan: TrainPlan,
                     side: str = "handmade") -> list[History]:
    """One plain run per spec (``handmade.train`` or ``torch_ref.train_torch``), each from ``spec.init_params()``."""
    return _trainers(side)[0](specs, X, Y, plan)


def train_many(specs: list[MLPSpec], X: np.ndarray, Y: np.ndarray, plan: TrainPlan,
               side: str = "handmade") -> list[History]:
    """Train one network per spec with one plan; one History each, in the order of ``specs``.

    Specs of one shape go through one batched call (each member follows its
    separate run to float64 rounding: ``tests/handmade/fast/test_batched.py``); a shape with
    one spec runs alone.
    """
    separately, batched = _trainers(side)
    groups: dict[tuple, list[int]] = {}
    for i, spec in enumerate(specs):
        groups.setdefault(shape_of(spec), []).append(i)
    out: list[History | None] = [None] * len(specs)
    for rows in groups.values():
        group = [specs[i] for i in rows]
        histories = (separately if len(group) == 1 else batched)(group, X, Y, plan)
        for i, history in zip(rows, histories):
            out[i] = history
    return out


def flat_params(params: dict) -> np.ndarray:
    """Every parameter tensor, in key order, as one vector (one record for the whole network)."""
    return np.concatenate([np.ravel(params[key]) for key in sorted(params)]) if params else np.empty(0)


def check_batched(name: str, specs: list[MLPSpec], batched: list[History], members: list[int], X, Y,
                  plan: TrainPlan) -> tuple[list[Record], dict]:
    """Retrain ``specs[i]`` for i in ``members`` alone with ``handmade.train``; compare with ``batched[i]``.

    Two records per member, judged by the dtype's ``trajectory`` tolerance: the
    loss curve and the final parameters (all tensors as one vector; rel =
    max|p_batched - p_alone| / max|p|). Returns (records, summary for results.json).
    """
    records, rows = [], []
    for i in members:
        spec = specs[i]
        (alone,) = train_separately([spec], X, Y, plan, "handmade")
        tol = tolerance_for(spec.dtype).trajectory
        label = f"{name}: member {i} ({spec.init}, seed {spec.seed})"
        note = "batched run (a) against the same network trained alone with handmade.train (b)"
        p_batched, p_alone = flat_params(batched[i].final_params), flat_params(alone.final_params)
        loss = compare_arrays(f"{label} loss curve", batched[i].loss, alone.loss, tol, kind=BATCHED_KIND, note=note)
        params = compare_arrays(f"{label} final parameters", p_batched, p_alone, tol, kind=BATCHED_KIND, note=note)
        records += [loss, params]
        rows.append({"member": i, "init": spec.init, "seed": spec.seed,
                     "loss_max_abs_diff": loss.max_abs_diff, "loss_rel_diff": loss.max_rel_diff,
                     "params_max_abs_diff": params.max_abs_diff, "params_rel_diff": params.max_rel_diff,
                     "loss_epochs_equal": int(np.sum(loss_abs_diff(batched[i].loss, alone.loss) == 0)),
                     "epochs": len(alone.loss),
                     "params_identical": bool(np.array_equal(p_batched, p_alone))})
    summary = {
        "members_checked": len(rows), **summarize(records),
        "loss_max_abs_diff": max((r["loss_max_abs_diff"] for r in rows), default=0.0),
        "loss_rel_diff": max((r["loss_rel_diff"] for r in rows), default=0.0),
        "params_max_abs_diff": max((r["params_max_abs_diff"] for r in rows), default=0.0),
        "params_rel_diff": max((r["params_rel_diff"] for r in rows), default=0.0),
        "params_identical": sum(r["params_identical"] for r in rows),
        "members": rows,
    }
    return records, summary


def loss_abs_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a_k - b_k| over the epochs both runs have (a diverged run may be shorter)."""
    n = min(len(a), len(b))
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(np.asarray(a[:n], dtype=np.float64) - np.asarray(b[:n], dtype=np.float64))


def trajectory_record(name: str, comparison: TrajectoryComparison) -> Record:
    """One counted record of a trajectory verdict: passed = matched, rel = ``checked_rel_diff``.

    The tolerance is the one the verdict was held to: the trajectory tolerance, or, for sensitive
    dynamics, the one-step tolerance of the re-synchronised steps.
    """
    h, t = comparison.loss_handmade, comparison.loss_torch
    diff = loss_abs_diff(h, t)
    finite = np.isfinite(diff)
    worst = int(np.argmax(np.where(finite, diff, -1.0))) if finite.any() else 0
    tolerance = comparison.resync.tolerance if comparison.status == SENSITIVE else comparison.tolerance
    return Record(name=name, kind="trajectory", shape=(len(t),),
                  max_abs_diff=float(diff[worst]) if finite.any() else float("nan"),
                  max_rel_diff=comparison.checked_rel_diff, worst_index=(worst,),
                  handmade_at_worst=float(h[worst]) if len(h) else float("nan"),
                  reference_at_worst=float(t[worst]) if len(t) else float("nan"), tolerance=tolerance,
                  passed=comparison.matched, note=f"{comparison.status}: {comparison.reason}")


def parity(name: str, spec: MLPSpec, plan: TrainPlan, mine: History, ref: History, X, Y) -> Record:
    """The verdict on one pair of runs (handmade ``mine``, torch ``ref``), parted runs re-synchronised."""
    comparison = settle_parting(compare_histories(spec, plan, mine, ref), X, Y, spec.init_params())
    return trajectory_record(name, comparison)


@dataclass
class PairRun:
    """One spec and plan trained on both sides, and how far apart the two loss curves are."""

    name: str
    spec: MLPSpec
    plan: TrainPlan
    handmade: History
    torch: History
    record: Record

    @cached_property
    def abs_diff(self) -> np.ndarray:
        """|L_handmade(k) - L_torch(k)| per epoch (computed once: the summary and the curves read it)."""
        return loss_abs_diff(self.handmade.loss, self.torch.loss)

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


def run_pair(name: str, spec: MLPSpec, X, Y, plan: TrainPlan, trained: dict | None = None) -> PairRun:
    """Train ``spec`` with ``plan`` on both sides from the same initial parameters.

    ``trained``: a cache ``{(spec, plan): (handmade History, torch History)}`` shared by calls on
    the same data, so that a pair asked for under two names is trained once.
    """
    trained = {} if trained is None else trained
    if (spec, plan) not in trained:
        trained[spec, plan] = (train_many([spec], X, Y, plan, "handmade")[0],
                               train_many([spec], X, Y, plan, "torch")[0])
    mine, ref = trained[spec, plan]
    return PairRun(name, spec, plan, mine, ref, parity(name, spec, plan, mine, ref, X, Y))


def torch_predict(spec: MLPSpec, params: dict, X: np.ndarray) -> np.ndarray:
    """The torch network with ``params`` applied to X (inference, no graph); numpy out."""
    model = TorchMLP(spec, params)
    with torch.no_grad():
        return model(model.tensor(X)).numpy()
