"""Constant multiples: ``g = c r`` fitted by least squares, and what a factor ``c`` means."""

from __future__ import annotations

import math

import numpy as np

from compare.check.findings import Finding
from handmade.losses import get_loss


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


def family(loss: str) -> str:
    """What kind of loss: "squared" (an error squared), or the link of a cross-entropy ("softmax", "sigmoid").
    Losses of one family differ by constant factors; of two families, by the form of the gradient."""
    return get_loss(loss).link or "squared"


def factor_meanings(n: int, n_out: int, loss: str = "mse") -> list[tuple[float, str]]:
    """Factors (user / torch) with what they suggest, for a batch of ``n`` rows and ``n_out`` outputs of ``loss``."""
    m = n * n_out
    common = [(2.0, "an extra factor 2"), (0.5, "a missing factor 2"),
              (1 / n, f"an extra 1/N (divided by the batch size N = {n} twice, or a mean where a sum belongs)")]
    if family(loss) == "softmax":
        return [(n, f"a sum over the batch where {loss} takes the mean: the 1/N is missing (N = {n})"),
                (1 / n_out, f"divides by N*out where cross-entropy divides by N (out = {n_out})"), *common]
    if family(loss) == "sigmoid":
        return [(m, f"a sum where {loss} takes the mean over all N*out = {m} entries"),
                (n_out, f"divides by N only, not by N*out (a mean over samples of each row's sum; out = {n_out})"),
                (n, f"a missing 1/N (N = {n} samples in the batch)"), *common]
    return [
        (m, f"a sum of squares where torch takes the mean: the 1/(N*out) = 1/{m} is missing"),
        (m / 2, f"the half-sum 1/2 sum (s - y)^2 where torch takes the mean (factor N*out/2 = {m / 2:g})"),
        (n, f"a missing 1/N (N = {n} samples in the batch)"),
        (n_out, f"divides by N only, not by N*out (a mean over samples of the row sums; out = {n_out})"),
        (n / 2, f"a missing 1/N and a missing factor 2 (N/2 = {n / 2:g})"),
        (n_out / 2, f"divides by N only and lacks the factor 2 (out/2 = {n_out / 2:g})"),
        (2.0, "an extra factor 2"),
        (0.5, "a missing factor 2: d/ds (s - y)^2 = 2 (s - y)"),
        common[2],
        (1 / n_out, f"an extra 1/out (out = {n_out})"),
        (1 / m, f"an extra 1/(N*out) = 1/{m}"),
    ]


def explain_factor(c: float, n: int, n_out: int, tol: float, loss: str = "mse") -> str:
    """Plain words for a factor ``c`` of the user's gradient over torch's."""
    if close(c, -1.0, tol):
        return "the sign is flipped"
    sign = "the sign is flipped and " if c < 0 else ""
    for value, meaning in factor_meanings(n, n_out, loss):
        if close(abs(c), value, tol):
            return sign + meaning
    return sign + "a factor that is not one of the usual conventions (learning rate folded in?)"


def gradient_scale(loss: str, n: int, n_out: int) -> float:
    """The factor in front of each family's plain output delta (s - y, or p - y) in ``loss``'s gradient."""
    return {"mse": 2.0 / (n * n_out), "sse": 2.0, "half_sse": 1.0, "half_sse_n": 1.0 / n,
            "ce": 1.0 / n, "ce_sum": 1.0, "bce": 1.0 / (n * n_out), "bce_sum": 1.0, "bce_n": 1.0 / n}[loss]


def loss_for_factor(c: float, declared: str, n: int, n_out: int, tol: float) -> str | None:
    """The named loss (of the declared loss's family) whose gradient is ``c`` times the declared one's, if any."""
    for name in ("mse", "sse", "half_sse", "half_sse_n", "ce", "ce_sum", "bce", "bce_sum", "bce_n"):
        if name != declared and family(name) == family(declared) and \
                close(c * gradient_scale(declared, n, n_out), gradient_scale(name, n, n_out), tol):
            return name
    return None


def value_findings(name: str, g: np.ndarray, r: np.ndarray, n: int, n_out: int, tol: float,
                   loss: str = "mse") -> list[Finding]:
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
        return [Finding("factor", f"{name} = {c:.6g} x torch's: {explain_factor(c, n, n_out, tol, loss)}",
                        {"factor": c})]
    return []
