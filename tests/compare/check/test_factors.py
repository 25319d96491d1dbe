"""The check's factor diagnosis, as pure functions: a gradient that is c x torch's, and what c means.

The factors are not typed in here: each user gradient is computed from a loss convention
people really write (a sum of squares, a half-sum, a mean over samples only, ...) and the
diagnosis must name that convention, with the batch's own N and out.
"""

from __future__ import annotations

import numpy as np
import pytest

from compare.check.diagnoses.factors import explain_factor, loss_for_factor, value_findings
from compare.measure.tolerance import tolerance_for
from handmade.losses import LOSSES

TOL = tolerance_for("float64").diagnosis
RNG = np.random.default_rng(0)
N, OUT = 5, 3  # the check's batch: 5 rows, 3 outputs
S, Y = RNG.normal(size=(N, OUT)), RNG.normal(size=(N, OUT))
TORCH = LOSSES["mse"].df(S, Y)  # what torch's mse gives: 2 (s - y) / (N * out)

# dL/ds as people write it, and the words the diagnosis must use for it.
CONVENTIONS = {
    "sum of squares": (LOSSES["sse"].df(S, Y), f"a sum of squares where torch takes the mean: the 1/(N*out) = "
                                               f"1/{N * OUT} is missing"),
    "half-sum": (LOSSES["half_sse"].df(S, Y), f"the half-sum 1/2 sum (s - y)^2 where torch takes the mean "
                                              f"(factor N*out/2 = {N * OUT / 2:g})"),
    "mean over outputs only": (2 * (S - Y) / OUT, f"a missing 1/N (N = {N} samples in the batch)"),
    "mean over samples only": (2 * (S - Y) / N, f"divides by N only, not by N*out (a mean over samples of the row "
                                                f"sums; out = {OUT})"),
    "no factor 2": ((S - Y) / (N * OUT), "a missing factor 2: d/ds (s - y)^2 = 2 (s - y)"),
    "divided by N twice": (2 * (S - Y) / (N * N * OUT), f"an extra 1/N (divided by the batch size N = {N} twice"),
}


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_a_convention_is_named_with_the_batch_sizes(convention):
    user, words = CONVENTIONS[convention]
    [finding] = value_findings("dW2", user, TORCH, N, OUT, TOL)
    assert finding.code == "factor"
    c = finding.details["factor"]
    assert np.allclose(user, c * TORCH, rtol=1e-12)  # the factor is the one the gradients have
    assert finding.message.startswith(f"dW2 = {c:.6g} x torch's: ")
    assert words in finding.message


@pytest.mark.parametrize("convention", ["sum of squares", "half-sum"])
def test_a_flipped_sign_is_said_before_the_convention(convention):
    user, words = CONVENTIONS[convention]
    [finding] = value_findings("db1", -user, TORCH, N, OUT, TOL)
    assert f"x torch's: the sign is flipped and {words}" in finding.message


def test_minus_torch_is_a_flipped_sign_alone():
    [finding] = value_findings("dW1", -TORCH, TORCH, N, OUT, TOL)
    assert finding.code == "sign_flipped" and finding.message == "dW1 is exactly minus torch's: the sign is flipped"


def test_an_unusual_factor_is_not_dressed_up_as_a_convention():
    assert explain_factor(4.2, N, OUT, TOL) == ("a factor that is not one of the usual conventions "
                                                "(learning rate folded in?)")


def test_the_sizes_decide_which_convention_a_factor_is():
    """15 is N*out for a batch of 5 x 3 and nothing usual for 4 x 3, where 12 is N*out and 4 is N."""
    assert "the 1/(N*out) = 1/15 is missing" in explain_factor(15.0, 5, 3, TOL)
    assert "not one of the usual conventions" in explain_factor(15.0, 4, 3, TOL)
    assert "the 1/(N*out) = 1/12 is missing" in explain_factor(12.0, 4, 3, TOL)
    assert "a missing 1/N (N = 4 samples" in explain_factor(4.0, 4, 3, TOL)
    assert "divides by N only, not by N*out" in explain_factor(3.0, 4, 3, TOL)


def test_the_loss_a_factor_points_to():
    c_sum = LOSSES["sse"].df(S, Y).ravel() @ TORCH.ravel() / (TORCH.ravel() @ TORCH.ravel())
    assert loss_for_factor(c_sum, "mse", N, OUT, TOL) == "sse"
    assert loss_for_factor(c_sum / 2, "mse", N, OUT, TOL) == "half_sse"
    assert loss_for_factor(1 / c_sum, "sse", N, OUT, TOL) == "mse"
    assert loss_for_factor(3.7, "mse", N, OUT, TOL) is None


def test_not_a_multiple_is_no_factor_finding():
    user = TORCH + 0.1 * np.abs(TORCH).max() * RNG.normal(size=TORCH.shape)
    assert value_findings("dW2", user, TORCH, N, OUT, TOL) == []


def test_zero_and_non_finite_gradients_are_said_as_such():
    [zero] = value_findings("db2", np.zeros_like(TORCH), TORCH, N, OUT, TOL)
    assert zero.code == "zero" and "db2 is exactly zero where torch's is not" in zero.message
    broken = TORCH.copy()
    broken[1, 2] = np.nan
    [bad] = value_findings("dW2", broken, TORCH, N, OUT, TOL)
    assert bad.code == "not_finite" and bad.message == "dW2 contains 1 NaN/inf value(s)"
