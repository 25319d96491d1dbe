"""Constant multiples: ``g = c r`` fitted by least squares, and what a factor ``c`` means."""

from __future__ import annotations

import math

import numpy as np

from compare.check.findings import Finding


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
