"""Constant multiples: ``g = c r`` fitted by least squares, and what a factor ``c`` means."""

from __future__ import annotations

import math

import numpy as np

from compare.check.findings import Finding
from compare.check.texts import say
from handmade.losses import LOSSES, get_loss


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
    """The family of the loss named ``loss`` (``handmade.losses.LossEntry.family``)."""
    return get_loss(loss).family


def factor_meanings(n: int, n_out: int, loss: str = "mse") -> list[tuple[float, str]]:
    """Factors (user / torch) with what they suggest, for a batch of ``n`` rows and ``n_out`` outputs of ``loss``."""
    m = n * n_out
    common = [(2.0, say("meaning.extra_2")), (0.5, say("meaning.missing_2")),
              (1 / n, say("meaning.extra_1_over_n", n=n))]
    if family(loss) == "softmax":
        return [(n, say("meaning.ce_sum_over_batch", loss=loss, n=n)),
                (1 / n_out, say("meaning.ce_over_n_out", n_out=n_out)), *common]
    if family(loss) == "sigmoid":
        return [(m, say("meaning.bce_sum", loss=loss, m=m)),
                (n_out, say("meaning.bce_n_only", n_out=n_out)),
                (n, say("meaning.missing_1_over_n", n=n)), *common]
    return [
        (m, say("meaning.mse_sum", m=m)),
        (m / 2, say("meaning.half_sum", half_m=m / 2)),
        (n, say("meaning.missing_1_over_n", n=n)),
        (n_out, say("meaning.mse_n_only", n_out=n_out)),
        (n / 2, say("meaning.missing_n_and_2", half_n=n / 2)),
        (n_out / 2, say("meaning.n_only_and_2", half_out=n_out / 2)),
        (2.0, say("meaning.extra_2")),
        (0.5, say("meaning.missing_2_of_square")),
        common[2],
        (1 / n_out, say("meaning.extra_1_over_out", n_out=n_out)),
        (1 / m, say("meaning.extra_1_over_n_out", m=m)),
    ]


def explain_factor(c: float, n: int, n_out: int, tol: float, loss: str = "mse") -> str:
    """Plain words for a factor ``c`` of the user's gradient over torch's."""
    if close(c, -1.0, tol):
        return say("meaning.sign_flipped")
    for value, meaning in factor_meanings(n, n_out, loss):
        if close(abs(c), value, tol):
            return say("meaning.sign_flipped_and", meaning=meaning) if c < 0 else meaning
    return say("meaning.sign_flipped_and", meaning=say("meaning.unusual")) if c < 0 else say("meaning.unusual")


def gradient_scale(loss: str, n: int, n_out: int) -> float:
    """The factor in front of each family's plain output delta (s - y, or p - y) in ``loss``'s gradient."""
    entry = get_loss(loss)
    return entry.delta / {"entries": n * n_out, "rows": n, None: 1}[entry.mean_over]


def loss_for_factor(c: float, declared: str, n: int, n_out: int, tol: float) -> str | None:
    """The named loss (of the declared loss's family) whose gradient is ``c`` times the declared one's, if any."""
    for name in LOSSES:
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
        return [Finding.of("not_finite", name=name, count=bad)]
    if not np.any(g) and np.any(r):
        return [Finding.of("zero", name=name)]
    c, residual = fit_factor(g, r)
    if residual <= tol:
        if close(c, -1.0, tol):
            return [Finding.of("sign_flipped", name=name, factor=c)]
        return [Finding.of("factor", name=name, factor=c, meaning=explain_factor(c, n, n_out, tol, loss))]
    return []
