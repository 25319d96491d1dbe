"""Diagnoses: what a mismatch *is*, computed from the arrays, never guessed.

Every diagnosis is a hypothesis tested against numbers. A gradient ``g`` that
differs from torch's ``r`` is tried, in turn, as:

* a constant multiple ``g = c r``: the least-squares factor ``c = <g, r> / <r, r>``
  is accepted when the residual ``||g - c r|| / ||g||`` is below the diagnosis
  tolerance; ``c`` is then named (``N*out``: a sum where torch takes the mean,
  ``0.5``: a missing factor 2, ``N``: a missing 1/N, ``-1``: the sign ...);
* the gradient torch gets when every target is 0 (back-propagating the output
  ``s`` instead of the error ``s - y``), up to a factor;
* for a hidden layer ``l`` (``dz_l = da_l * f'(z_l)``, from torch's own ``da_l``
  and ``z_l``): ``f'`` left out, ``f'`` evaluated at ``a_l`` instead of ``z_l``,
  ``f(z)`` written for ``f'(z)`` (sigma instead of sigma (1 - sigma)), a leaky slope
  ``alpha`` fitted by least squares (the gradient is linear in ``alpha``);
* transposed, not summed over the batch, zero, of the wrong shape, not finite;
* finite differences of the user's *own* forward and loss along random
  directions: matching them means the backward is right for that forward.

The diagnosis tolerance is ``tolerance_for(dtype).diagnosis`` (about the square
root of the step tolerance: 3e-7 in float64, 3e-3 in float32): a hypothesis has
to fit to far better than the smallest bug it names (a factor, i.e. O(1)), but
the user's code may round differently from ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from compare.measure.differences import rel_error_l2
from compare.step.gradcheck import numeric_gradient
from handmade.activations import ACTIVATIONS, Activation
from handmade.losses import LOSSES
from handmade.model import MLP


@dataclass
class Finding:
    """One diagnosis: a stable ``code`` for scripts, a plain-words ``message``, the numbers behind it."""

    code: str
    message: str
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "details": self.details}


# -- constant multiples -------------------------------------------------------------------

def fit_factor(g: np.ndarray, r: np.ndarray) -> tuple[float, float]:
    """(c, residual): least-squares ``g ~ c r`` and ``||g - c r|| / max(||g||, ||c r||)``."""
    g = np.asarray(g, dtype=np.float64).ravel()
    r = np.asarray(r, dtype=np.float64).ravel()
    rr = float(np.dot(r, r))
    if rr == 0 or not np.all(np.isfinite(g)):
        return float("nan"), float("inf")
    c = float(np.dot(g, r)) / rr
    scale = max(np.linalg.norm(g), abs(c) * math.sqrt(rr))
    return c, float(np.linalg.norm(g - c * r) / scale) if scale > 0 else 0.0


def close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-300)


def factor_meanings(n: int, n_out: int) -> list[tuple[float, str]]:
    """Factors (user / torch) with what they suggest, for a batch of ``n`` rows and ``n_out`` outputs."""
    m = n * n_out
    return [
        (m, f"a sum of squares where torch takes the mean: the 1/(N*out) = 1/{m} is missing"),
        (m / 2, f"the half-sum 1/2 sum (s - y)^2 where torch takes the mean (factor N*out/2 = {m / 2:g})"),
        (n, f"a missing 1/N (N = {n} samples in the batch)"),
        (n_out, f"divides by N only, not by N*out (a mean over samples of the row sums; out = {n_out})"),
        (n / 2, f"a missing 1/N and a missing factor 2 (N/2 = {n / 2:g})"),
        (n_out / 2, f"divides by N only and lacks the factor 2 (out/2 = {n_out / 2:g})"),
        (2.0, "an extra factor 2"),
        (0.5, "a missing factor 2: d/ds (s - y)^2 = 2 (s - y)"),
        (1 / n, f"an extra 1/N (divided by the batch size N = {n} twice, or a mean where a sum belongs)"),
        (1 / n_out, f"an extra 1/out (out = {n_out})"),
        (1 / m, f"an extra 1/(N*out) = 1/{m}"),
    ]


def explain_factor(c: float, n: int, n_out: int, tol: float) -> str:
    """Plain words for a factor ``c`` of the user's gradient over torch's."""
    if close(c, -1.0, tol):
        return "the sign is flipped"
    sign = "the sign is flipped and " if c < 0 else ""
    for value, meaning in factor_meanings(n, n_out):
        if close(abs(c), value, tol):
            return sign + meaning
    return sign + "a factor that is not one of the usual conventions (learning rate folded in?)"


def loss_for_factor(c: float, declared: str, n: int, n_out: int, tol: float) -> str | None:
    """The named loss whose gradient is ``c`` times the declared loss's gradient, if any."""
    scale = {"mse": 2.0 / (n * n_out), "sse": 2.0, "half_sse": 1.0}
    for name, k in scale.items():
        if name != declared and close(c * scale[declared], k, tol):
            return name
    return None


def value_findings(name: str, g: np.ndarray, r: np.ndarray, n: int, n_out: int, tol: float) -> list[Finding]:
    """Not finite, zero, sign flipped, a constant multiple: for one failing tensor."""
    g = np.asarray(g, dtype=np.float64)
    if not np.all(np.isfinite(g)):
        bad = int(np.sum(~np.isfinite(g)))
        return [Finding("not_finite", f"{name} contains {bad} NaN/inf value(s)", {"count": bad})]
    if not np.any(g) and np.any(r):
        return [Finding("zero", f"{name} is exactly zero where torch's is not: nothing reaches it "
                                "(a gradient that is never computed or never propagated)")]
    c, residual = fit_factor(g, r)
    if residual <= tol:
        if close(c, -1.0, tol):
            return [Finding("sign_flipped", f"{name} is exactly minus torch's: the sign is flipped", {"factor": c})]
        return [Finding("factor", f"{name} = {c:.6g} x torch's: {explain_factor(c, n, n_out, tol)}",
                        {"factor": c})]
    return []


# -- shapes ---------------------------------------------------------------------------------

def shape_findings(name: str, arr, expected: tuple, n_rows: int) -> tuple[str, Finding | None]:
    """Classify a returned gradient's shape: 'ok', 'transposed', 'per_sample' or 'wrong'."""
    shape = np.shape(arr)
    if shape == tuple(expected):
        return "ok", None
    size = int(np.prod(expected))
    is_bias = min(expected) == 1 or len(expected) == 1
    if is_bias and np.size(arr) == size and len(shape) <= 2:
        return "ok", None  # (n,) against (1, n): the same numbers, accepted
    if len(expected) == 2 and shape == tuple(expected[::-1]) and expected[0] != expected[1]:
        return "transposed", Finding("transposed", f"{name} has shape {shape} but the parameter is "
                                                   f"{tuple(expected)}: the gradient is transposed")
    if is_bias and len(shape) == 2 and shape[0] == n_rows and shape[1] == size:
        return "per_sample", Finding("not_summed_over_batch",
                                     f"{name} has shape {shape}: one row per sample (N = {n_rows}); "
                                     f"a bias gradient is summed over the batch (axis 0) to shape {tuple(expected)}")
    return "wrong", Finding("wrong_shape", f"{name} has shape {shape}, expected {tuple(expected)}")


# -- hypotheses on the backward pass -----------------------------------------------------------

def joint(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def hidden_layer_findings(l: int, act: Activation, ref: dict, a_prev: np.ndarray, user_w: np.ndarray,
                          user_b: np.ndarray, names: tuple[str, str], tol: float) -> list[Finding]:
    """Test the usual activation-derivative mistakes of hidden layer ``l`` against its gradients.

    Uses torch's ``da_l``, ``z_l`` and ``a_l`` (correct if the later layers are), so
    each hypothesis gives ``dW_l = (da_l * d)^T a_{l-1}`` and ``db_l = sum_rows(da_l * d)``.
    """
    da, z, a = (np.asarray(ref[k], dtype=np.float64) for k in (f"grad a[{l}]", f"z[{l}]", f"a[{l}]"))
    a_prev = np.asarray(a_prev, dtype=np.float64)
    user = joint([user_w, user_b])
    truth = joint([ref[f"grad layers.{l}.weight"], ref[f"grad layers.{l}.bias"]])

    def grads(d):
        dz = da * d
        return joint([dz.T @ a_prev, dz.sum(axis=0)])

    hypotheses = [
        ("missing_activation_derivative", f"the derivative of {act.spec} is left out (dz = da, no f'(z))",
         np.ones_like(z)),
        ("derivative_at_activation_output", f"the derivative of {act.spec} is taken at the activation output "
         f"a = f(z) instead of the pre-activation z", act.grad(a, act(a))),
        ("derivative_is_activation", "f(z) is used where f'(z) belongs (for sigmoid: sigma instead of "
         "sigma (1 - sigma))", a),
    ]
    found = []
    who = f"{names[0]}/{names[1]}"
    for code, words, d in hypotheses:
        h = grads(d)
        if rel_error_l2(h, truth) <= tol:
            continue  # harmless here (e.g. relu'(a) = relu'(z)): it cannot explain a mismatch
        c, residual = fit_factor(user, h)
        if residual <= tol:
            scale = "" if close(c, 1.0, tol) else f" (times {c:.6g})"
            found.append(Finding(code, f"{who} match the hypothesis that {words}{scale}", {"factor": c}))
    if act.name in ("relu", "leaky_relu") and not found:
        base, neg = grads((z > 0).astype(np.float64)), grads((z <= 0).astype(np.float64))
        nn = float(np.dot(neg, neg))
        if nn > 0:
            alpha = float(np.dot(user - base, neg)) / nn
            fitted = base + alpha * neg
            expected = act.params.get("negative_slope", 0.0)
            if rel_error_l2(user, fitted) <= tol and not close(alpha, expected, tol):
                found.append(Finding("leaky_slope", f"{who} match a derivative with slope {alpha:.6g} for "
                                                    f"negative inputs; {act.spec} has slope {expected:g}",
                                     {"slope": alpha, "expected": expected}))
    return found


def output_layer_findings(l: int, act: Activation, ref: dict, a_prev, user_w, user_b, names, tol) -> list[Finding]:
    """The output activation's derivative left out (dz = dL/ds), when there is one."""
    if act.name == "identity":
        return []
    da = np.asarray(ref[f"grad a[{l}]"], dtype=np.float64)
    a_prev = np.asarray(a_prev, dtype=np.float64)
    h = joint([da.T @ a_prev, da.sum(axis=0)])
    c, residual = fit_factor(joint([user_w, user_b]), h)
    if residual <= tol:
        return [Finding("missing_activation_derivative", f"{names[0]}/{names[1]} match the output activation "
                        f"{act.spec} with its derivative left out", {"factor": c})]
    return []


# -- the forward pass ---------------------------------------------------------------------------

def forward_alternatives(spec, params: dict, X: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
    """Other forwards a student may have written: (code, words, output), by the handmade network."""
    out = []
    n = spec.n_layers
    bias_keys = [f"layers.{l}.bias" for l in range(n)]
    subsets = [[k] for k in bias_keys] + ([bias_keys] if n > 1 else [])
    for subset in subsets:
        p = {k: (np.zeros_like(v) if k in subset else v) for k, v in params.items()}
        layers = ", ".join(f"layer {k.split('.')[1]}" for k in subset)
        out.append(("forward_without_bias", f"the bias is left out of the forward pass ({layers})",
                    MLP(spec, p).forward(X)))
    for name in ACTIVATIONS:
        if n > 1 and name != Activation(spec.activation).name:
            out.append(("wrong_activation", f"the hidden activation is {name}, not {spec.activation}",
                        MLP(spec.replace(activation=name), params).forward(X)))
    for name in ("identity", "relu", "sigmoid"):
        if name != Activation(spec.output_activation).name:
            out.append(("wrong_output_activation", f"the output activation is {name}, not "
                        f"{spec.output_activation} (say --output-activation {name} if that is intended)",
                        MLP(spec.replace(output_activation=name), params).forward(X)))
    return out


def leaky_slope_of_forward(spec, params: dict, X: np.ndarray, output: np.ndarray, tol: float) -> float | None:
    """For one hidden relu/leaky layer and an identity output, the slope alpha that fits ``output``.

    ``s = relu(z) W^T + alpha * min(z, 0) W^T + b`` is linear in alpha: least squares, then verified.
    """
    act = Activation(spec.activation)
    if spec.n_layers != 2 or act.name not in ("relu", "leaky_relu") or spec.output_activation != "identity":
        return None
    p = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    z = np.asarray(X, dtype=np.float64) @ p["layers.0.weight"].T + p["layers.0.bias"]
    base = np.maximum(z, 0) @ p["layers.1.weight"].T + p["layers.1.bias"]
    neg = np.minimum(z, 0) @ p["layers.1.weight"].T
    nn = float(np.vdot(neg, neg))
    if nn == 0:
        return None
    alpha = float(np.vdot(np.asarray(output, dtype=np.float64) - base, neg)) / nn
    ok = rel_error_l2(np.asarray(output, dtype=np.float64), base + alpha * neg) <= tol
    return alpha if ok and not close(alpha, act.params.get("negative_slope", 0.0), tol) else None


# -- losses a class may print -----------------------------------------------------------------------

LOSS_CANDIDATES = {  # the declared conventions are handmade.losses' own functions
    "mse": (LOSSES["mse"].f, "mean((s - y)^2)"),
    "sse": (LOSSES["sse"].f, "sum((s - y)^2)"),
    "half_sse": (LOSSES["half_sse"].f, "1/2 sum((s - y)^2)"),
    "half_mse": (lambda s, y: 0.5 * np.mean((s - y) ** 2), "1/2 mean((s - y)^2)"),
    "sse_per_sample": (lambda s, y: np.sum((s - y) ** 2) / len(s), "sum((s - y)^2) / N"),
    "rmse": (lambda s, y: np.sqrt(np.mean((s - y) ** 2)), "sqrt(mean((s - y)^2))"),
    "mae": (lambda s, y: np.mean(np.abs(s - y)), "mean|s - y|"),
    "mean_error": (lambda s, y: np.mean(s - y), "mean(s - y), not squared"),
    "output_mse": (lambda s, y: np.mean(s ** 2), "mean(s^2): the output alone, no target"),
    "output_half_sse": (lambda s, y: 0.5 * np.sum(s ** 2), "1/2 sum(s^2): the output alone, no target"),
}


def identify_loss(value: float, s: np.ndarray, y: np.ndarray, tol: float) -> list[str]:
    """Names of the candidate losses whose value at (s, y) equals ``value`` (relative ``tol``)."""
    s = np.asarray(s, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return [name for name, (fn, _) in LOSS_CANDIDATES.items() if close(float(fn(s, y)), value, tol)]


def loss_function(name: str):
    """A candidate loss by name; the declared conventions come from handmade.losses."""
    if name in LOSSES:
        return LOSSES[name].f
    return LOSS_CANDIDATES[name][0]


# -- finite differences of the user's own forward ---------------------------------------------------

def directional_fd(loss_of, params: dict[str, np.ndarray], n_dirs: int = 3, seed: int = 0):
    """Central differences of ``loss_of(params)`` along ``n_dirs`` random directions per tensor.

    ``numeric_gradient`` differentiates with respect to the coefficients t of
    ``p + sum_i t_i V_i``, giving ``<dL/dp, V_i>``: ``2 n_dirs`` calls per tensor instead
    of two per element, so a loop-style forward is checked in milliseconds.
    Returns (directions, numeric) with ``directions[key]`` of shape (n_dirs, *p.shape).
    """
    rng = np.random.default_rng(seed)
    dirs = {k: rng.standard_normal((n_dirs, *p.shape)) for k, p in params.items()}
    numeric = {}
    for key, p in params.items():
        def along(coeff, key=key, p=p):
            return float(loss_of({**params, key: p + np.tensordot(coeff["t"], dirs[key], axes=1)}))
        numeric[key] = numeric_gradient(along, {"t": np.zeros(n_dirs)})["t"]
    return dirs, numeric


def fd_error(grad: np.ndarray, dirs: np.ndarray, numeric: np.ndarray) -> float:
    """Relative error between ``<grad, V_i>`` and the numeric directional derivatives (inf if either is not finite)."""
    analytic = np.array([np.vdot(np.asarray(grad, dtype=np.float64), v) for v in dirs])
    if not (np.all(np.isfinite(analytic)) and np.all(np.isfinite(numeric))):
        return math.inf  # NaN compares as neither close nor far: never let it pass as a match
    return rel_error_l2(analytic, numeric)


# -- the update step ------------------------------------------------------------------------------

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
