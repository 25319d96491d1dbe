"""Property-based parity: Hypothesis draws networks, data and settings nobody picked by hand.

Drawn: layer sizes 1..64, 1..4 hidden layers, batch 1..32, hidden and output
activation, initialiser, loss, dtype, and inputs at scales 0 (exact zeros),
1e-3, 1, 10 and 1e3. Properties:

1. Every tensor of one forward/backward (``compare.step.parity.compare_step``) matches
   torch within the dtype policy - or, where the policy's tensor-relative measure
   cannot judge (below), within the a-priori rounding-error bound of this very
   network and data (``rounding_bounds``). No numpy warning is raised anywhere
   (pytest turns warnings into errors).
2. For smooth activations, the handmade gradients agree with central differences
   (``compare.gradcheck``) within the 1e-7 bar, or, where the difference quotient
   cannot resolve them to that bar, within its own estimated error
   (``fd_error_estimate``).

Why a second yardstick. The policy measures ``max|a-b| / max|b|``: rounding error
in units of the tensor's *own* scale. Correct arithmetic exceeds it where a tensor
is small against the numbers it was computed from: a batch sum that cancels
(``db = sum_n dz_n``), a residual ``s - y`` that cancels in the loss, a saturating
activation (tanh' = 1 - a^2 of a = 1 - 1e-7), a 1-unit bottleneck, results that
underflow (torch's float32 sigmoid flushes subnormals to zero). Forward error
analysis (Higham, *Accuracy and Stability of Numerical Algorithms*, ch. 3) bounds
what any correct implementation may differ from the exact result by, in terms of
the magnitudes that went into each sum: ``rounding_bounds`` runs the network on
those magnitudes alongside the values. A real bug (a 0.1% error in a derivative,
0.01% in the loss gradient) is far outside it; ``test_mutant_is_caught`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import assume, event, given, note, target
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.special import erfc, expit

from compare.step.gradcheck import STEP, finite_difference_check, numeric_gradient
from compare.step.parity import compare_step, handmade_step, torch_step
from handmade.activations import ACTIVATIONS, Activation
from handmade.contract.spec import MLPSpec, check_data
from handmade.init import INITIALISERS
from handmade.losses import LOSSES

# The a-priori bound below is derived for the squared errors (L = k' sum (s - y)^2). The cross-entropies
# (ce, bce) are held to the fixed tolerance policy over every activation in tests/compare/step/test_parity.py
# and to torch's own losses at extreme logits in tests/handmade/test_losses.py.
SQUARED_LOSSES = sorted(name for name, entry in LOSSES.items() if entry.link is None)

SCALES = (0.0, 1e-3, 1.0, 10.0, 1e3)
# Non-default parameters too: a registry entry's parameters are part of its contract.
ACTIVATION_SPECS = sorted(ACTIVATIONS) + ["leaky_relu(negative_slope=0.2)", "elu(alpha=0.5)", "softplus(beta=2)"]
SMOOTH_SPECS = [spec for spec in ACTIVATION_SPECS if Activation(spec).smooth]
# Finite differences: the analytic gradient must lie within this multiple of the quotient's own
# estimated error (an estimate, not a bound: its ratio to the true error has a tail).
FD_FACTOR = 30.0


def inputs(shape, scale):
    """An array of ``shape`` with entries in [-scale, scale] (all exact zeros for scale 0)."""
    if scale == 0:
        return st.just(np.zeros(shape))
    return arrays(np.float64, shape, elements=st.floats(-scale, scale, allow_nan=False, allow_infinity=False))


@st.composite
def cases(draw, max_width=64, max_depth=4, max_batch=32, activations=ACTIVATION_SPECS, scales=SCALES,
          dtypes=("float64", "float32")):
    depth = draw(st.integers(1, max_depth), label="hidden layers")
    sizes = tuple(draw(st.lists(st.integers(1, max_width), min_size=depth + 2, max_size=depth + 2), label="sizes"))
    batch = draw(st.integers(1, max_batch), label="batch")
    scale = draw(st.sampled_from(scales), label="input scale")
    spec = MLPSpec(sizes=sizes,
                   activation=draw(st.sampled_from(activations), label="activation"),
                   output_activation=draw(st.sampled_from(["identity", *activations]), label="output activation"),
                   loss=draw(st.sampled_from(SQUARED_LOSSES), label="loss"),
                   init=draw(st.sampled_from(sorted(INITIALISERS)), label="init"),
                   seed=draw(st.integers(0, 2**32 - 1), label="seed"),
                   dtype=draw(st.sampled_from(dtypes), label="dtype"))
    X = draw(inputs((batch, sizes[0]), scale), label="X")
    Y = draw(arrays(np.float64, (batch, sizes[-1]), elements=st.floats(-2, 2)), label="Y")
    return spec, X, Y, scale


# -- the a-priori rounding-error bound ------------------------------------------------------------
# Each library exp/tanh/erf/expm1/log1p is assumed accurate to K_LIB ulps (glibc, SLEEF and
# numpy's SIMD loops document <= 4); a formula around it (1 - a*a, e / (1 + e), z * 0.5 * (1 + erf))
# adds at most 4 roundings of u = eps/2. Hence ELEM: an activation or derivative is computed to
# ELEM * eps * R, R the sum of the magnitudes of its terms (which is where cancellation shows).
K_LIB = 4
ELEM = K_LIB + 2
KINK = (-1e-300, 1e-300)  # the one-sided limits at a kink at 0


def _phi(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


@dataclass(frozen=True)
class ActivationModel:
    """What the bound needs of an activation, in exact (float64) formulas.

    ``df``/``d2f``: f' and f''; ``crit1``/``crit2``: interior points where |f'| / |f''|
    can peak (the sup over an interval is at its ends or there); ``jumps``: (where,
    jump of f, jump of f') for kinks and branch switches; ``r_f``/``r_df``: R of f and of f'
    as the two implementations compute them; ``dfda``: for f' computed from the output a
    (tanh, sigmoid), sup |d f'/d a| over a +- E_a; then a's own error drives f''s.
    """

    df: callable
    d2f: callable
    crit1: tuple = ()
    crit2: tuple = ()
    jumps: tuple = ()
    r_f: callable = lambda z, a: np.abs(a)
    r_df: callable = None
    dfda: callable = None


def activation_model(spec: str) -> ActivationModel | None:
    """None for identity (a = z, dz = da: no arithmetic)."""
    act = Activation(spec)
    p, name = act.params, act.name
    zero = lambda z: np.zeros_like(z)  # noqa: E731
    if name == "identity":
        return None
    if name in ("relu", "leaky_relu"):
        s = 0.0 if name == "relu" else p["negative_slope"]
        return ActivationModel(df=lambda z: np.where(z > 0, 1.0, s), d2f=zero, crit1=KINK,
                               jumps=((0.0, 0.0, abs(1 - s)),))
    if name == "elu":
        al = p["alpha"]
        neg = lambda z: al * np.exp(np.minimum(z, 0))  # noqa: E731
        return ActivationModel(df=lambda z: np.where(z > 0, 1.0, neg(z)), d2f=lambda z: np.where(z > 0, 0.0, neg(z)),
                               crit1=KINK, crit2=KINK, jumps=((0.0, 0.0, abs(1 - al)),))
    if name == "sigmoid":
        df = lambda z: expit(z) * expit(-z)  # noqa: E731
        return ActivationModel(df=df, d2f=lambda z: df(z) * (1 - 2 * expit(z)), crit1=(0.0,),
                               crit2=(-1.3169578969248166, 1.3169578969248166),
                               r_df=lambda z, a: np.abs(a) * (1 + np.abs(a)),
                               dfda=lambda a, e: np.abs(1 - 2 * a) + 2 * e)  # f' = a (1 - a)
    if name == "tanh":
        df = lambda z: 1 - np.tanh(z) ** 2  # noqa: E731
        return ActivationModel(df=df, d2f=lambda z: -2 * np.tanh(z) * df(z), crit1=(0.0,),
                               crit2=(-0.6584789484624084, 0.6584789484624084),
                               r_df=lambda z, a: 1 + a * a, dfda=lambda a, e: 2 * (np.abs(a) + e))  # f' = 1 - a^2
    if name == "softplus":
        b, t = p["beta"], p["threshold"]
        lin = lambda z: b * z > t  # noqa: E731
        return ActivationModel(df=lambda z: np.where(lin(z), 1.0, expit(b * z)),
                               d2f=lambda z: np.where(lin(z), 0.0, b * expit(b * z) * expit(-b * z)), crit2=(0.0,),
                               jumps=((t / b, np.log1p(np.exp(-t)) / b, expit(-t)),))  # the switch to f = z
    if name == "gelu":
        # 1 + erf(z / sqrt 2) cancels for z < 0: f's error is in units of |z|, f''s of 1 (and exp(-z^2/2)'s argument).
        return ActivationModel(df=lambda z: 0.5 * erfc(-z / np.sqrt(2)) + z * _phi(z),
                               d2f=lambda z: _phi(z) * (2 - z * z),
                               crit1=(-np.sqrt(2), np.sqrt(2)), crit2=(-2.0, 0.0, 2.0), r_f=lambda z, a: np.abs(z),
                               r_df=lambda z, a: 1 + np.abs(z) * _phi(z) * (1 + z * z))
    raise AssertionError(f"no rounding model for activation {name!r}: add one (the test cannot judge it otherwise)")


def _sup_abs(g, lo, hi, points):
    """sup |g| over [lo, hi] (element-wise) for g monotone between ``points``."""
    sup = np.maximum(np.abs(g(lo)), np.abs(g(hi)))
    for p in points:
        sup = np.where((lo <= p) & (p <= hi), np.maximum(sup, np.abs(g(np.float64(p)))), sup)
    return sup


def gamma(n: int, u: float) -> float:
    """Higham's gamma_n = n u / (1 - n u): |fl(sum of n products) - exact| <= gamma_n sum |terms|, any order."""
    return n * u / (1 - n * u)


def rounding_bounds(spec: MLPSpec, X, Y, mine: dict, ref: dict) -> dict[str, np.ndarray]:
    """E[name]: element-wise bound on |computed - exact| for EITHER implementation, per tensor.

    "Exact" is the real-number value of the same formulas on the same (dtype) parameters
    and data, so |handmade - torch| <= 2 E. Classic forward error analysis, each stage
    adding its fresh rounding to the propagated error of its inputs (|.| element-wise,
    hats: computed values; magnitudes use max(|handmade|, |torch|) + E >= |exact|):

      z = a W^T + b     E_z  = E_a |W|^T + gamma_{n+1} (|a| |W|^T + |b|)          n = fan-in
      a = f(z)          E_a  = sup|f'| E_z' + ELEM eps R_f + jump_f               z' = z +- (E_z + u |z|)
      f'(z)             E_f' = sup|f''| E_z' (or sup|df'/da| E_a) + ELEM eps R_f' + jump_f'
      dz = da f'        E_dz = E_da F' + |da| E_f' + u |da| F'                    F' = sup|f'| + E_f'
      dW = dz^T a       E_dW = E_dz^T |a| + |dz|^T E_a + gamma_N |dz|^T |a|        N = batch
      db = sum_n dz     E_db = sum E_dz + gamma_N sum |dz|
      da_prev = dz W    E    = E_dz |W| + gamma_out |dz| |W|
      d = s - y         E_d  = E_s + u |d|;  dL/ds = k d: E = k (E_d + 4u |d|);  L = k' sum d^2:
                        E_L  = k' (sum 2 |d| E_d + gamma_{m+2} sum d^2)            m = N * out

    sup over the interval z +- E_z' (u |z|: a formula may scale its argument, z / sqrt 2, beta z)
    covers branch switches (a kink within reach of the error costs its whole jump) and
    saturation (tanh' = 1 - a^2 = 0 on one side, 1e-7 on the other is within 2 ELEM eps).
    Underflow: every operation may also flush a result below the smallest normal number
    to zero (torch's float32 sigmoid does), an absolute error tiny per operation:
    ``ops * tiny`` is added at each stage and propagates like any other error.
    Summed along the data flow this is the textbook bound
    |error| <= (sum over stages of gamma_{n_stage}) * magnitudes <= n_max * S * u * M,
    S <= 2 L + 2 stages: it is stated, not fitted to any case.
    """
    eps = float(np.finfo(spec.dtype).eps)
    u, tiny = eps / 2, float(np.finfo(spec.dtype).tiny)
    f64 = lambda t: np.asarray(t, dtype=np.float64)  # noqa: E731
    hull = lambda name, E: np.maximum(np.abs(f64(mine[name])), np.abs(f64(ref[name]))) + E  # noqa: E731
    params = {k: np.abs(f64(v)) for k, v in spec.init_params().items()}
    L, N = spec.n_layers, X.shape[0]
    models = [activation_model(spec.activation)] * (L - 1) + [activation_model(spec.output_activation)]
    E: dict[str, np.ndarray] = {}
    A, E_a = np.abs(f64(X)), np.zeros_like(f64(X))
    cache = []
    for l in range(L):
        W, b = params[f"layers.{l}.weight"], params[f"layers.{l}.bias"]
        n = W.shape[1]
        E_z = E_a @ W.T + gamma(n + 1, u) * (A @ W.T + b) + 2 * (n + 1) * tiny
        E[f"z[{l}]"] = E_z
        m = models[l]
        if m is None:
            E_new = E_z
            cache.append((A, E_a, None, None))
        else:
            h, t = f64(mine[f"z[{l}]"]), f64(ref[f"z[{l}]"])
            reach = E_z + u * np.maximum(np.abs(h), np.abs(t))
            lo, hi = np.minimum(h, t) - reach, np.maximum(h, t) + reach
            sup1 = _sup_abs(m.df, lo, hi, m.crit1)
            a_hat = f64(ref[f"a[{l}]"])
            E_new = sup1 * reach + ELEM * eps * m.r_f(t, a_hat) + ELEM * tiny
            for where, jump_f, _ in m.jumps:
                E_new = E_new + np.where((lo <= where) & (where <= hi), jump_f, 0.0)
            cache.append((A, E_a, (lo, hi, reach, sup1, t), m))
        E[f"a[{l}]"] = E_new
        A, E_a = hull(f"a[{l}]", E_new), E_new
    E["output"] = E[f"a[{L - 1}]"]
    # Loss and dL/ds: L = k' sum d^2, dL/ds = k d, d = s - y.
    m_out = Y.size
    n_rows = Y.shape[0]
    k_grad, k_loss = {"mse": (2 / m_out, 1 / m_out), "sse": (2.0, 1.0), "half_sse": (1.0, 0.5),
                      "half_sse_n": (1 / n_rows, 0.5 / n_rows)}[spec.loss]
    E_s = E["output"]
    D = np.maximum(np.abs(f64(mine["output"]) - f64(Y)), np.abs(f64(ref["output"]) - f64(Y))) + E_s
    E_d = E_s + u * D
    E["loss"] = np.asarray(k_loss * (np.sum(2 * D * E_d) + gamma(m_out + 2, u) * np.sum(D * D))
                           + (2 * m_out + 2) * tiny)
    E_da = k_grad * (E_d + 4 * u * D) + 4 * tiny
    for l in range(L - 1, -1, -1):
        E[f"grad a[{l}]"] = E_da
        DA = hull(f"grad a[{l}]", E_da)
        A_prev, E_prev, interval, m = cache[l]
        if m is None:
            E_dz = E_da
        else:
            lo, hi, reach, sup1, t = interval
            a_hat = f64(ref[f"a[{l}]"])
            r_df = m.r_df(t, a_hat) if m.r_df else sup1
            if m.dfda is not None:
                E_df = m.dfda(np.maximum(np.abs(a_hat), np.abs(f64(mine[f"a[{l}]"]))), E[f"a[{l}]"]) * E[f"a[{l}]"]
            else:
                E_df = _sup_abs(m.d2f, lo, hi, m.crit2) * reach
            E_df = E_df + ELEM * eps * r_df + ELEM * tiny
            for where, _, jump_df in m.jumps:
                E_df = E_df + np.where((lo <= where) & (where <= hi), jump_df, 0.0)
            F = sup1 + E_df
            E_dz = E_da * F + DA * E_df + u * DA * F + tiny
        E[f"grad z[{l}]"] = E_dz
        DZ = hull(f"grad z[{l}]", E_dz)
        W = params[f"layers.{l}.weight"]
        E[f"grad layers.{l}.weight"] = (E_dz.T @ A_prev + DZ.T @ E_prev + gamma(N, u) * (DZ.T @ A_prev)
                                        + 2 * N * tiny)
        E[f"grad layers.{l}.bias"] = E_dz.sum(axis=0) + gamma(N, u) * DZ.sum(axis=0) + 2 * N * tiny
        E_da = E_dz @ W + gamma(W.shape[0], u) * (DZ @ W) + 2 * W.shape[0] * tiny
    E["grad input"] = E_da
    return E


def judge_step(spec: MLPSpec, X, Y):
    """compare_step's records, and per record outside the step policy: (record, allowed, ok).

    A record passes the property when it is within the dtype policy, or when
    max|handmade - torch| <= 2 max(E) (``rounding_bounds``): what two correct
    implementations can differ by on this network and data.
    """
    step = compare_step(spec, X, Y)
    counted = [r for r in step.records if r.counted]
    X, Y = check_data(X, Y, spec.sizes, spec.dtype)
    params = spec.init_params()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mine = handmade_step(spec, params, X, Y)
        ref = torch_step(spec, params, X, Y)
        E = rounding_bounds(spec, X, Y, mine, ref)
    verdicts = []
    for record in counted:
        allowed = 2 * float(np.max(E[raw_name(record.name, spec.n_layers)], initial=0.0))
        ok = record.passed or (np.isfinite(allowed) and record.max_abs_diff <= allowed)
        verdicts.append((record, allowed, bool(ok)))
    return counted, verdicts


def raw_name(label: str, n_layers: int) -> str:
    return f"grad a[{n_layers - 1}]" if label == "grad output (dL/ds)" else label


def failures_of(verdicts) -> list[str]:
    """The property's verdict on one example: a message per tensor that fails it (empty: it holds)."""
    failures = []
    for record, allowed, ok in verdicts:
        if not ok:
            failures.append(f"{record.name} differs from torch by {record.max_abs_diff:.3g} "
                            f"(rel {record.max_rel_diff:.3g}, policy {record.tolerance:g}), more than the a-priori "
                            f"rounding bound {allowed:.3g} allows")
    return failures


# -- property 1: parity with torch ----------------------------------------------------------------
# Parametrised over the registry, so every activation gets its own examples (a new entry too).
@pytest.mark.parametrize("activation", ACTIVATION_SPECS)
@given(data=st.data())
def test_forward_and_gradients_match_torch(activation, data):
    spec, X, Y, scale = data.draw(cases(activations=[activation]), label="case")
    note(f"{spec.label()}, batch {X.shape[0]}, input scale {scale:g}")
    counted, verdicts = judge_step(spec, X, Y)
    assert len(counted) == 6 * spec.n_layers + 2  # every tensor of the data flow is compared
    # Steer the search towards the tensors closest to the bound.
    target(max(r.max_abs_diff / a if a > 0 else 0.0 for r, a, _ in verdicts), label="abs diff / rounding bound")
    for record, allowed, _ in verdicts:
        if not record.passed:
            event(f"outside the step policy ({spec.dtype}), judged by the rounding bound")
            note(f"{record.name}: handmade vs torch rel {record.max_rel_diff:.3g} (policy {record.tolerance:g}), "
                 f"abs {record.max_abs_diff:.3g}, rounding bound {allowed:.3g}")
    assert not (failures := failures_of(verdicts)), "; ".join(failures)


# -- property 2: finite differences ---------------------------------------------------------------
def fd_error_estimate(spec, X, Y, params, analytic) -> dict[str, float]:
    """Finite differences' own error, per tensor, relative to the gradient's scale.

    The central quotient's error is c h^2 (truncation) plus rounding ~E_L / h, E_L the
    loss's a-priori rounding bound (``rounding_bounds``; larger than eps |L| where s - y
    cancels: 1-8-1-1 sigmoid, loss 7e-6, quotient off by 50 eps |L| / h).
    Doubling h multiplies the first by 4, so |g(h) - g(2h)| ~ 3 c h^2: an
    estimate of how far g(h) itself can be from the true gradient (Richardson's
    idea). When that exceeds the 1e-7 bar - a gradient that is tiny against the
    loss's curvature or against the loss itself - the quotient cannot judge the
    analytic gradient to that bar, but it can still judge it to its own accuracy.
    """
    from handmade.model import MLP

    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    largest_loss = [0.0]

    def loss_of(_params):
        net.forward(X)
        value = net.loss(Y)
        largest_loss[0] = max(largest_loss[0], abs(value))
        return value

    # The loss's own rounding error: not eps |L| but the a-priori bound, which sees s - y cancel.
    step = handmade_step(spec, params, X, Y)
    loss_rounding = float(rounding_bounds(spec, X, Y, step, step)["loss"])
    fine = numeric_gradient(loss_of, net.params, STEP)
    coarse = numeric_gradient(loss_of, net.params, 2 * STEP)
    estimate = {}
    for key in fine:
        # Rounding: each loss value is off by ~eps |L|, so each quotient by ~eps |L| / h. It is
        # deterministic, so it can hide from the h-vs-2h comparison: add it explicitly.
        rounding = np.sqrt(fine[key].size) * max(np.finfo(np.float64).eps * largest_loss[0], loss_rounding) / STEP
        scale = max(np.linalg.norm(analytic[key]), np.linalg.norm(fine[key]), 1e-300)
        estimate[key] = (np.linalg.norm(fine[key] - coarse[key]) + rounding) / scale
    return estimate


# Small nets: the check costs two forward passes per parameter. Input scales up to 1:
# at 1e3 the loss is ~1e6+ and h = 1e-5 is no longer small against its curvature.
@pytest.mark.parametrize("activation", SMOOTH_SPECS)
@given(data=st.data())
def test_finite_differences_agree_for_smooth_activations(activation, data):
    spec, X, Y, scale = data.draw(cases(max_width=8, max_depth=3, max_batch=8, activations=[activation],
                                        scales=(0.0, 1e-3, 1.0), dtypes=("float64",)), label="case")
    assume(Activation(spec.output_activation).smooth)
    note(f"{spec.label()}, batch {X.shape[0]}, input scale {scale:g}")
    X, Y = check_data(X, Y, spec.sizes, "float64")
    params = spec.init_params()
    checks = finite_difference_check(spec, X, Y, params)
    assert len(checks) == 2 * spec.n_layers and all(c.counted for c in checks)
    failing = [c for c in checks if not c.passed]
    event(f"finite differences within the bar: {len(checks) - len(failing)}/{len(checks)} tensors")
    if not failing:
        return
    from handmade.model import MLP

    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    net.forward(X)
    estimate = fd_error_estimate(spec, X, Y, params, net.backward(Y).params)
    for check in failing:
        key = check.name.split()[1]
        note(f"{check.name}: rel error {check.rel_error:.3g}, finite differences' own error ~{estimate[key]:.3g}")
        assert check.rel_error <= FD_FACTOR * estimate[key], (
            f"{check.name}: analytic vs central difference {check.rel_error:.3g} (bar {check.tolerance:g}), but the "
            f"difference quotient is accurate to ~{estimate[key]:.3g}: a real disagreement")


# -- the bound still catches real bugs ------------------------------------------------------------
def _scaled_grad(entry, factor):
    return lambda *args, **kw: entry.df(*args, **kw) * np.asarray(factor, dtype=args[0].dtype)


# (name, patch the registry, activation, loss): bugs far smaller than any in the mutation catalogue.
MUTANTS = {
    "tanh' off by 0.1%": (ACTIVATIONS, "tanh", 1.001, "tanh", "mse"),
    "gelu' off by 0.1%": (ACTIVATIONS, "gelu", 1.001, "gelu", "mse"),
    "mse gradient off by 0.01%": (LOSSES, "mse", 1.0001, "relu", "mse"),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e3])
@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mutant_is_caught(monkeypatch, mutant, scale, dtype):
    """A correct network passes the property; the same network with a tiny bug fails it."""
    registry, key, factor, activation, loss = MUTANTS[mutant]
    spec = MLPSpec(sizes=(6, 12, 12, 3), activation=activation, loss=loss, init="torch_default", seed=7, dtype=dtype)
    rng = np.random.default_rng(3)
    X, Y = scale * rng.uniform(-1, 1, (16, 6)), rng.uniform(-2, 2, (16, 3))
    assert not failures_of(judge_step(spec, X, Y)[1])
    monkeypatch.setitem(registry, key, replace(registry[key], df=_scaled_grad(registry[key], factor)))
    failures = failures_of(judge_step(spec, X, Y)[1])
    assert failures, f"{mutant} passed the property ({dtype}, inputs {scale:g})"


# -- corners the policy cannot judge and the bound must ----------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("loss", SQUARED_LOSSES)
def test_bound_covers_a_residual_that_cancels_completely(dtype, loss):
    """Targets equal to torch's own output: s - y is rounding alone on one side, exactly 0 on the other."""
    spec = MLPSpec(sizes=(39, 7, 2), activation="leaky_relu", loss=loss, init="kaiming_normal", seed=1, dtype=dtype)
    X = 1e-3 * np.random.default_rng(0).uniform(-1, 1, (5, 39))
    Y = torch_step(spec, spec.init_params(), *check_data(X, np.zeros((5, 2)), spec.sizes, dtype))["output"]
    counted, verdicts = judge_step(spec, X, Y)
    by_name = {r.name: (r, allowed) for r, allowed, _ in verdicts}
    record, allowed = by_name["loss"]
    assert float(torch_step(spec, spec.init_params(), *check_data(X, Y, spec.sizes, dtype))["loss"]) == 0.0
    # The case is only a case if handmade's output differs from torch's by rounding (then its loss is
    # rounding squared and the rel diff 1). Were the two bit-identical here, it would test nothing: say so.
    assert record.max_abs_diff > 0, "handmade and torch agree bit for bit here: choose inputs where they do not"
    # The policy fails it, and the bound, of second order in rounding (a square of errors), is not vacuous.
    assert not record.passed and 0 < allowed < record.tolerance**2
    assert not failures_of(verdicts)


def test_bound_covers_torch_flushing_a_subnormal_sigmoid():
    """float32 sigmoid(-88.8): torch flushes it to 0, numpy returns 2.7e-39; everything downstream differs."""
    spec = MLPSpec(sizes=(1, 1, 1), activation="sigmoid", loss="half_sse", seed=1000, dtype="float32")
    params = spec.init_params()
    w, b = float(params["layers.0.weight"][0, 0]), float(params["layers.0.bias"][0])
    X = np.array([[(-88.8 - b) / w]])
    counted, verdicts = judge_step(spec, X, np.array([[0.5]]))
    a0 = next(r for r in counted if r.name == "a[0]")
    assert a0.max_rel_diff == 1.0 and 0 < a0.max_abs_diff < np.finfo(np.float32).tiny  # the flush happened
    assert not failures_of(verdicts)
