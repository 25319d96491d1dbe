"""Two whole training runs from the same weights, compared and, where they part, re-synchronised."""

from __future__ import annotations

import numpy as np

from compare.trajectory.resync import settle_parting
from compare.trajectory.verdict import TrajectoryComparison, compare_histories
from handmade.contract.plan import TrainPlan
from handmade.contract.spec import MLPSpec, check_data
from handmade.model import MLP
from handmade.train import train
from torch_ref.model import TorchMLP
from torch_ref.train import train_torch


def compare_training(spec: MLPSpec, X, Y, plan: TrainPlan, params: dict | None = None,
                     resync: bool = True) -> TrajectoryComparison:
    """Train both sides from the same ``params`` (default ``spec.init_params()``) and compare.

    Where the trajectories part (``first_over``), re-synchronise from the epoch
    before and decide between *sensitive dynamics* and *mismatch*.
    """
    X, Y = check_data(X, Y, spec.sizes, spec.dtype)
    plan.check_rows(len(X))
    params = spec.init_params() if params is None else params
    handmade = train(MLP(spec, {k: v.copy() for k, v in params.items()}), X, Y, plan)
    reference = train_torch(TorchMLP(spec, params), X, Y, plan)
    return settle_parting(compare_histories(spec, plan, handmade, reference), X, Y, params, resync)


def final_predictions(comparison: TrajectoryComparison, X) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Both sides' outputs on X with their final parameters (None for a side whose parameters are not finite)."""
    handmade, reference = comparison.histories
    spec = comparison.spec

    def finite(params) -> bool:
        return bool(params) and all(np.all(np.isfinite(v)) for v in params.values())

    with np.errstate(all="ignore"):
        mine = MLP(spec, handmade.final_params).predict(X) if finite(handmade.final_params) else None
        theirs = None
        if finite(reference.final_params):
            ref = TorchMLP(spec, reference.final_params)
            theirs = ref(ref.tensor(X)).detach().numpy()
    return mine, theirs
