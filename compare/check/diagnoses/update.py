"""What one training step did, against ``p - lr g`` with torch's gradient and with the user's own."""

from __future__ import annotations

import numpy as np

from compare.check.diagnoses.backward import joint
from compare.check.diagnoses.factors import close, fit_factor
from compare.check.findings import Finding


def update_findings(before: dict, after: dict, ref_grads: dict, user_grads: dict | None, lr: float,
                    names: dict, tol: float) -> list[Finding]:
    """What one training step did, against ``p - lr g`` with torch's gradient and with the user's own."""
    keys = list(before)
    step = joint([after[k] - before[k] for k in keys])
    if not np.all(np.isfinite(step)):
        return [Finding("not_finite", "the weights are not finite after one step of train")]
    if not np.any(step):
        return [Finding("no_update", "train(X, Y, 1, lr) left every weight unchanged")]
    wrong = [names[k] for k in keys if not np.allclose(after[k] - before[k], -lr * ref_grads[k], rtol=tol, atol=0)]
    if user_grads is not None and all(user_grads.get(k) is not None for k in keys):
        c, residual = fit_factor(step, joint([-lr * user_grads[k] for k in keys]))
        if residual <= tol and close(c, 1.0, tol):
            return [Finding("update_follows_gradient", "the update rule is right (w -= lr * dw with your own "
                            "gradients); the step differs only because the gradients do", {"params": wrong})]
        if residual <= tol and close(c, -1.0, tol):
            return [Finding("update_sign_flipped", "the step is +lr * dw: gradient ascent; the update must "
                                                   "subtract (w -= lr * dw)", {"params": wrong})]
        if residual <= tol:
            return [Finding("update_size", f"the step is {c:.6g} x -lr * (your dw): the learning rate is "
                                           f"applied as {c:.6g} x lr", {"factor": c, "params": wrong})]
    c, residual = fit_factor(step, joint([-lr * ref_grads[k] for k in keys]))
    if residual <= tol:
        if close(c, -1.0, tol):
            return [Finding("update_sign_flipped", "the step is +lr * dL/dw: gradient ascent; the update "
                                                   "must subtract (w -= lr * dw)", {"params": wrong})]
        return [Finding("update_size", f"the step is {c:.6g} x torch's -lr * dL/dw", {"factor": c, "params": wrong})]
    return [Finding("update_wrong", "the step is neither -lr * torch's gradient nor -lr * your own gradient, "
                                    "nor a multiple of either", {"params": wrong})]
