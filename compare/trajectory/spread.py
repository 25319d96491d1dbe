"""The rounding-spread yardstick: is a re-synchronised step over the tolerance ill-conditioned, or wrong?

A re-synchronised step (``compare.trajectory.resync``) whose counted difference exceeds
the one-step tolerance is not failed at once: it is judged against its *own*
conditioning, measured with the reference. :func:`rounding_spread` takes the
same torch step twice more from the same state with every parameter,
optimizer buffer and activation output moved by 1 ulp in seeded random
directions; the spread of a quantity q (the loss, each parameter after the
step) is

    spread(q) = max over perturbations of floored_rel(q_torch, q_torch_perturbed)

(the same floored relative measure and floors as the judged difference).
:func:`judge_by_spread` then passes each counted quantity iff

    |h - t| <= max(step, C * spread(q)),    C = Tolerance.spread_factor (10)

and records the spread, the bar and ``spread_ratio = |h - t| / spread`` on the
step. Why 1 ulp and why C = 10: see ``compare.measure.tolerance``. In short: numpy's and
torch's tanh/exp are both faithfully rounded but may differ by 1 ulp, which a
saturated unit (tanh'(z) = 1 - a^2) and a large learning rate amplify far beyond
``step``; a well-conditioned step has a spread ~1e-16, so C x spread << step and
the plain tolerance rules, while a real bug sits ~1e9 spreads away. Only steps
over the plain tolerance pay for the two extra torch steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from compare.measure.differences import floored_rel
from compare.trajectory.verdict import ResyncStep
from torch_ref.model import TorchMLP
from torch_ref.optim import load_optimizer_state, make_torch_optimizer, optimizer_state_numpy
from torch_ref.train import run_epoch_torch


@dataclass
class TorchSide:
    """The reference side of re-synchronised steps: the torch model, its optimizer, the data as tensors."""

    model: TorchMLP
    optimizer: torch.optim.Optimizer
    X: torch.Tensor
    Y: torch.Tensor

    @classmethod
    def build(cls, spec, params: dict, plan, X, Y) -> TorchSide:
        model = TorchMLP(spec, params)
        return cls(model, make_torch_optimizer(plan.optimizer, model, plan.lr), model.tensor(X), model.tensor(Y))

    def epoch(self, snapshot: dict, opt_snapshot: dict, batches):
        """Load a (handmade) snapshot, run one epoch; (EpochResult, params, optimizer state) as numpy."""
        self.model.load_numpy(snapshot)
        load_optimizer_state(self.optimizer, self.model, opt_snapshot)
        result = run_epoch_torch(self.model, self.optimizer, self.X, self.Y, batches, keep_grads=True)
        return result, self.model.numpy_params(), optimizer_state_numpy(self.optimizer, self.model)["state"]


def _nudge(array: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Every non-zero entry moved by one ulp, up where ``up`` else down (zeros stay: a ReLU mask must not flip)."""
    toward = np.where(up, np.inf, -np.inf).astype(array.dtype)
    return np.where(array != 0, np.nextafter(array, toward), array)


def rounding_spread(side: TorchSide, snapshot: dict, opt_snapshot: dict, batches, reference: dict,
                    loss_floor: float, perturbations: int = 2) -> dict[str, float]:
    """The step's own sensitivity to rounding, measured with the reference: ``{quantity: spread}``.

    The torch epoch is taken again from the same state with every stored
    quantity moved by one ulp in a seeded random direction: every parameter and
    optimizer buffer, and every output of the activation functions (through a
    forward hook that edits the output in place, so the backward pass, which
    reuses the output - tanh' = 1 - a^2, sigmoid' = a (1 - a) - sees it too).
    The spread of a quantity (the loss, each parameter after the step) is the
    largest floored rel diff (:func:`floored_rel`, same floors as the judged
    difference) between ``reference`` (the unperturbed torch result) and the
    ``perturbations`` perturbed results.

    Why the activation outputs: two correct implementations differ there by
    about one ulp (numpy's and torch's tanh/exp are both faithfully rounded but
    not identical), and a 1-ulp nudge of the parameters alone does not
    reproduce it: at a saturated unit it moves tanh(z) by (1 - a^2) ulp(z),
    far less than an ulp of a.
    """
    spread = dict.fromkeys(reference, 0.0)
    for k in range(perturbations):
        rng = np.random.default_rng(k)
        generator = torch.Generator().manual_seed(k)
        params = {key: _nudge(value, rng.random(value.shape) < 0.5) for key, value in snapshot.items()}
        state = {key: {name: _nudge(arr, rng.random(arr.shape) < 0.5) for name, arr in buffers.items()}
                 for key, buffers in opt_snapshot["state"].items()}

        def nudge_output(module, inputs, output, generator=generator):
            up = torch.rand(output.shape, generator=generator) < 0.5
            toward = torch.where(up, torch.inf, -torch.inf).to(output.dtype)
            output.data.copy_(torch.where(output != 0, torch.nextafter(output, toward), output))

        hooks = [side.model.activation.register_forward_hook(nudge_output)]
        if side.model.output_activation is not side.model.activation:
            hooks.append(side.model.output_activation.register_forward_hook(nudge_output))
        try:
            result, perturbed, _ = side.epoch(params, {**opt_snapshot, "state": state}, batches)
        finally:
            for hook in hooks:
                hook.remove()
        perturbed["loss"] = result.loss
        for key in spread:
            floor = loss_floor if key == "loss" else 0.0
            spread[key] = max(spread[key], floored_rel(reference[key], perturbed[key], floor))
    return spread


def judge_by_spread(step: ResyncStep, counted: dict[str, float], spread: dict[str, float], tol: float,
                     factor: float) -> None:
    """Re-judge a step over ``tol``: each quantity passes if ``diff <= max(tol, factor * spread)``.

    ``step`` is updated in place to the quantity closest to (or furthest over)
    its own bar, with that quantity's spread and bar.
    """
    allowed = {key: max(tol, factor * spread.get(key, 0.0)) for key in counted}
    name = max(counted, key=lambda key: counted[key] / allowed[key])
    step.worst_name, step.worst_rel_diff = name, counted[name]
    step.rounding_spread, step.allowed = spread.get(name, 0.0), allowed[name]
    step.passed = counted[name] <= allowed[name]
