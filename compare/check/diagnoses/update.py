"""What one training step did, against ``p - lr g`` with torch's gradient and with the user's own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.check.diagnoses.backward import joint
from compare.check.diagnoses.factors import close, fit_factor
from compare.check.findings import Finding


@dataclass(frozen=True)
class TrainingStep:
    """One ``train(X, Y, 1, lr)``: the weights before and after (torch layout, float64) and the parameters' names."""

    before: dict
    after: dict
    lr: float
    names: dict

    def delta(self) -> np.ndarray:
        return joint([self.after[k] - self.before[k] for k in self.before])


def update_findings(step: TrainingStep, ref_grads: dict, user_grads: dict | None, tol: float, n: int) -> list[Finding]:
    """What one training step did, against ``p - lr g`` with torch's gradient and with the user's own
    (``n``: the batch size, for an update that averages or sums once more)."""
    keys, lr = list(step.before), step.lr
    delta = step.delta()
    if not np.all(np.isfinite(delta)):
        return [Finding("not_finite", "the weights are not finite after one step of train")]
    if not np.any(delta):
        return [Finding("no_update", "train(X, Y, 1, lr) left every weight unchanged")]
    wrong = [step.names[k] for k in keys
             if not np.allclose(step.after[k] - step.before[k], -lr * ref_grads[k], rtol=tol, atol=0)]
    if user_grads is not None and all(user_grads.get(k) is not None for k in keys):
        c, residual = fit_factor(delta, joint([-lr * user_grads[k] for k in keys]))
        if residual <= tol:
            return [_against_own_gradient(c, n, tol, wrong)]
    c, residual = fit_factor(delta, joint([-lr * ref_grads[k] for k in keys]))
    if residual <= tol:
        if close(c, -1.0, tol):
            return [Finding("update_sign_flipped", "the step is +lr * dL/dw: gradient ascent; the update "
                                                   "must subtract (w -= lr * dw)", {"params": wrong})]
        return [Finding("update_size", f"the step is {c:.6g} x torch's -lr * dL/dw", {"factor": c, "params": wrong})]
    return [Finding("update_wrong", "the step is neither -lr * torch's gradient nor -lr * your own gradient, "
                                    "nor a multiple of either", {"params": wrong})]


def _against_own_gradient(c: float, n: int, tol: float, wrong: list[str]) -> Finding:
    """The step is ``c`` x -lr * (the class's own gradient): what ``c`` says about the update rule."""
    details = {"factor": c, "params": wrong}
    if close(c, 1.0, tol):
        return Finding("update_follows_gradient", "the update rule is right (w -= lr * dw with your own "
                       "gradients); the step differs only because the gradients do", {"params": wrong})
    if close(c, -1.0, tol):
        return Finding("update_sign_flipped", "the step is +lr * dw: gradient ascent; the update must "
                                              "subtract (w -= lr * dw)", {"params": wrong})
    if close(c, 1 / n, tol):
        return Finding("update_averages", f"the step is -lr * (your dw) / N (N = {n}): the update averages over "
                                          "the batch what backward already reduced (a sum divided by N once more, "
                                          "or a mean taken twice); divide in one place only", details)
    if close(c, n, tol):
        return Finding("update_sums", f"the step is -lr * N * (your dw) (N = {n}): the update sums over the batch "
                                      "what backward already averaged", details)
    return Finding("update_size", f"the step is {c:.6g} x -lr * (your dw): the learning rate is applied as "
                                  f"{c:.6g} x lr", details)
