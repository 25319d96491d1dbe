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
        return [Finding.of("not_finite", "after_step")]
    if not np.any(delta):
        return [Finding.of("no_update")]
    wrong = [step.names[k] for k in keys
             if not np.allclose(step.after[k] - step.before[k], -lr * ref_grads[k], rtol=tol, atol=0)]
    if user_grads is not None and all(user_grads.get(k) is not None for k in keys):
        c, residual = fit_factor(delta, joint([-lr * user_grads[k] for k in keys]))
        if residual <= tol:
            return [_against_own_gradient(c, n, tol, wrong)]
    c, residual = fit_factor(delta, joint([-lr * ref_grads[k] for k in keys]))
    if residual <= tol:
        if close(c, -1.0, tol):
            return [Finding.of("update_sign_flipped", "torch", params=wrong)]
        return [Finding.of("update_size", "torch", factor=c, params=wrong)]
    return [Finding.of("update_wrong", params=wrong)]


def _against_own_gradient(c: float, n: int, tol: float, wrong: list[str]) -> Finding:
    """The step is ``c`` x -lr * (the class's own gradient): what ``c`` says about the update rule."""
    if close(c, 1.0, tol):
        return Finding.of("update_follows_gradient", params=wrong)
    if close(c, -1.0, tol):
        return Finding.of("update_sign_flipped", "own", params=wrong)
    if close(c, 1 / n, tol):
        return Finding.of("update_averages", n=n, factor=c, params=wrong)
    if close(c, n, tol):
        return Finding.of("update_sums", n=n, factor=c, params=wrong)
    return Finding.of("update_size", "own", factor=c, params=wrong)
