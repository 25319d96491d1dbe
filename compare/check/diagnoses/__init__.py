"""diagnoses: what a mismatch *is*, computed from the arrays, never guessed.

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

(The diagnoses live by subject in this package; its namespace gathers them, so that a
check reads ``dx.fit_factor``, ``dx.shape_findings``, ...)
"""

from compare.check.diagnoses.backward import UserLayer, hidden_layer_findings, joint, output_layer_findings
from compare.check.diagnoses.factors import (
    close,
    explain_factor,
    factor_meanings,
    family,
    fit_factor,
    loss_for_factor,
    value_findings,
)
from compare.check.diagnoses.finite_differences import directional_fd, fd_error
from compare.check.diagnoses.forward import forward_alternatives, leaky_slope_of_forward
from compare.check.diagnoses.losses import formula, identify_loss, loss_function
from compare.check.diagnoses.shapes import gradient_array, shape_findings
from compare.check.diagnoses.update import TrainingStep, update_findings
from compare.measure.differences import rel_error_l2

__all__ = ["family", "formula", "UserLayer", "close", "directional_fd", "explain_factor", "factor_meanings", "fd_error",
           "fit_factor", "forward_alternatives", "gradient_array", "hidden_layer_findings", "identify_loss", "joint",
           "leaky_slope_of_forward", "loss_for_factor", "loss_function", "output_layer_findings", "rel_error_l2",
           "shape_findings", "TrainingStep", "update_findings", "value_findings"]
