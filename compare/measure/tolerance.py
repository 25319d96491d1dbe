"""The one tolerance policy, keyed by dtype. Every pass/fail in the harness reads it.

Differences are measured tensor-wise: ``rel = max|a - b| / max(max|a|, max|b|)``
(0 when both are all zeros), i.e. the worst error in units of the tensor's own
scale. An element-wise ratio would call 1e-17 against 1e-19 a 100x error, and
near-zero gradient entries are everywhere in a ReLU net.

Why these numbers:

* float64 is the **oracle** mode. Both sides do the same arithmetic in a
  different order (BLAS blocking, fused kernels), so they differ by rounding
  alone: a few ulps (eps = 2.2e-16) times the depth of the sums. 1e-13 is
  ~450 ulps: far above rounding noise, far below any real bug (the smallest
  bug in the mutation catalogue is off by a factor, i.e. rel ~ 1e-2 or more).
* float32 is the **realistic** mode: eps = 1.2e-7; 1e-5 is ~84 ulps, enough
  for sums over a few hundred terms and still 1000x below a real bug.
* Finite differences (float64 only) carry truncation error O(h^2) and
  cancellation error O(eps / h); with h = 1e-5 both are ~1e-10 relative to a
  typical gradient, so 1e-7 is a safe bar for smooth activations. At a kink
  (ReLU at 0) a difference quotient is meaningless, so kinked activations are
  shown but not counted.
* Trajectories (``compare.trajectory``): the loss of every epoch of two whole
  runs, compared as a *floored* relative difference

      rel_k = |L_h - L_t| / max(|L_h|, |L_t|, phi * L_1),   phi = (2 step / trajectory)^2

  L_1 is the first epoch's loss. A plain relative difference is meaningless
  once the loss nears rounding level (1e-32 against 2e-32 is "100%"): with
  L = mean(r^2), outputs that differ by dr change the loss by ~2 sqrt(L) dr,
  a relative 2 dr / sqrt(L) that grows without bound as L -> 0. Correct
  implementations agree in their outputs to about ``step`` times the output
  scale ~ sqrt(L_1), so the relative criterion is kept down to
  L = phi * L_1 and below it the difference counts in units of phi * L_1.
  phi is derived, not tuned: float64 4e-6, float32 0.04.
  ``trajectory`` itself is unchanged: in float64 the difference starts near
  eps and grows slowly on stable runs (default 80-cell SGD grid, 1000 epochs:
  worst 1.7e-11 among runs that stay within it), so 1e-10 keeps a margin;
  float32: worst 3.2e-5 measured, 1e-4. Where a run exceeds it (sensitive
  dynamics: high learning rates, saturating tanh, Adam near a minimum) the
  harness re-synchronises and judges every single step by ``step`` (the
  loss of one step floored at L_1: the same formula with tol = step, capped
  at 1), so exceeding ``trajectory`` is by itself neither a pass nor a fail.
* Ill-conditioned steps (``spread_factor``, C = 10 for both dtypes): numpy's
  and torch's tanh/exp are both faithfully rounded but may differ by 1 ulp,
  and at a saturated unit tanh'(z) = 1 - a^2 (a within ulps of 1) turns that
  ulp into a relative error of ulp / (1 - a^2) in the gradient, which a large
  learning rate carries into the parameters (float64 30-8-3 tanh, lr 3: one
  step differs by 7.4e-12 > 1e-13). So a re-synchronised step over ``step``
  gets a second chance against its *own* conditioning, measured with the
  reference: the same torch step is taken twice more with every parameter,
  optimizer buffer and activation output moved by 1 ulp in seeded random
  directions; ``spread`` = the largest difference (same floored rel measure)
  between the plain and the perturbed torch results, per quantity. The step
  passes iff, per quantity, ``|h - t| <= max(step, C * spread)``.
  Why C = 10: the probe injects 1 ulp per stored value, which is what the two
  libraries' transcendental functions differ by; their sums and products
  differ by a few ulps (another order of summation), and one random sign
  pattern can be ~2-3x less aligned than the worst one, so the honest
  difference is at most ~3 ulps x ~3 = ~10 spreads. Measured: every
  false-mismatch step known (float64 tanh lr 0.5-3, float32 tanh lr 1)
  has |h - t| / spread <= 0.33, i.e. 30x inside the bar, while the
  mutation bugs (SGD stepping 1e-6 too far, Adam without bias correction)
  sit at ~1e9 spreads. A well-conditioned step has spread ~1e-16, so
  C * spread << step and the plain tolerance rules; the bar widens only for
  the tensor, and the step, whose result rounding actually determines.
* Diagnoses (``mlp-parity check``): a hypothesis about a wrong gradient
  ("it is 15x torch's", "it is the derivative taken at the output") is only
  named when it reproduces the user's gradient to ~sqrt(step): loose enough
  for the user's own rounding, tight enough that two hypotheses never both fit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Tolerance:
    step: float        # one forward/backward, every tensor
    finite_diff: float  # analytic vs central-difference gradient (float64 only)
    trajectory: float  # per-epoch loss of two whole runs
    diagnosis: float   # how well a hypothesis (a factor, a derivative variant, ...) must fit to be named
    spread_factor: float = 10.0  # C: a re-synchronised step may differ by C x its own rounding spread

    def to_dict(self) -> dict:
        return asdict(self)


TOLERANCES: dict[str, Tolerance] = {
    "float64": Tolerance(step=1e-13, finite_diff=1e-7, trajectory=1e-10, diagnosis=3e-7, spread_factor=10.0),
    "float32": Tolerance(step=1e-5, finite_diff=1e-7, trajectory=1e-4, diagnosis=3e-3, spread_factor=10.0),
}


def tolerance_for(dtype: str) -> Tolerance:
    return TOLERANCES[str(dtype)]


def loss_floor_fraction(dtype: str, one_step: bool = False) -> float:
    """``phi = min(1, (2 * step / tol)^2)``: below ``phi * L_1`` a loss is compared absolutely.

    ``tol`` is the trajectory tolerance, or with ``one_step`` the one-step
    tolerance (the loss of a re-synchronised step), where the formula gives 4
    and the cap 1: a one-step loss difference is measured in units of
    max(current loss, initial loss).

    Why: L = mean(r^2) over residuals r, so two outputs that differ by dr give
    |dL| ~ 2 sqrt(L) dr, a relative difference 2 dr / sqrt(L) that grows without
    bound as L -> 0. Correct implementations agree in their outputs to about the
    one-step tolerance times the output scale (~ sqrt(L_1)); their relative loss
    difference then stays under ``tol`` as long as L >= phi * L_1.
    """
    tol = tolerance_for(dtype)
    return min(1.0, (2.0 * tol.step / (tol.step if one_step else tol.trajectory)) ** 2)


def short(value: float) -> str:
    """A tolerance as people write it: 0.04, 1e-4, 1e-13 (no padded exponent)."""
    if value >= 1e-3:
        return f"{value:g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"
