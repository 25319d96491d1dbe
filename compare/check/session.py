"""One class under test in one dtype: the shared weights, batch and torch reference, and the helpers every check uses.

:class:`CheckSession` holds what the checks of :mod:`.gradient_checks` and
:mod:`.training_checks` share: the spec built from the class's sizes, the initial
weights ``MLPSpec(...).init_params()`` (torch layout), the fixed batch, torch's
forward/backward on it (``torch_step``), the tolerances, and the report-card lines
produced so far. Its helpers build fresh objects, turn user-code outcomes into
findings and read gradients back in torch layout.
"""

from __future__ import annotations

import math

import numpy as np

from compare.check import diagnoses as dx
from compare.check.findings import Finding
from compare.check.results import Check, CheckConfig, check_batches
from compare.check.subject import Instance, Subject
from compare.measure.differences import rel_diff
from compare.measure.tolerance import tolerance_for
from compare.sandbox.calls import Outcome
from compare.step.parity import torch_step
from handmade.contract.spec import MLPSpec


def call_failed(outcome: Outcome, what: str) -> Finding:
    """The finding for a call into user code that failed: it timed out, its process died, it returned
    something that is not what was asked for, or ``<what> raised <error>``."""
    if outcome.timed_out:
        return Finding.of("timeout", error=outcome.error)
    if outcome.died:
        return Finding.of("process_died", error=outcome.error)
    if isinstance(outcome.value, dict) and outcome.value.get("wrong_return"):
        return Finding.of("wrong_return", error=outcome.error)
    return Finding.of("exception", "raised", what=what, error=outcome.error)


def complete(grads: dict | None) -> bool:
    """True when there is a usable gradient (present and finite) for every parameter.

    Checks that compare two sets of gradients (other targets, another call order) or
    differentiate the loss need them: NaN is neither equal nor different.
    """
    return grads is not None and all(g is not None and np.all(np.isfinite(g)) for g in grads.values())


class CheckSession:
    """The state of the checks of one class in one dtype (see the module docstring)."""

    def __init__(self, subject: Subject, config: CheckConfig, dtype: str):
        self.subject, self.config, self.dtype = subject, config, dtype
        self.spec = MLPSpec(sizes=subject.sizes, activation=config.activation,
                            output_activation=config.output_activation, loss=config.loss, seed=config.seed,
                            dtype=dtype, bias=subject.bias)
        self.tol = tolerance_for(dtype)
        self.dtol = self.tol.diagnosis  # how well a hypothesis must fit to be named
        self.P0 = self.spec.init_params()
        self.data = {k: v.astype(dtype) for k, v in check_batches().items()}
        self.n, self.n_out = self.data["Y"].shape
        self.ref = torch_step(self.spec, self.P0, self.data["X"], self.data["Y"])
        self.checks: list[Check] = []
        self.overview: list[Finding] = []
        # What the instance that gave the gradients showed (set by the gradient checks): flags such as
        # "overwrote_output", "out_of_order", and the order its gradients came in.
        self.flags: set[str] = set()
        self.order: list[str] = []
        # Float64 results the gradient checks and the loss checks both ask for: computed once a round.
        self._float64: dict = {}
        self.not_checked = None  # {"reason", "fix"}: a part the checks could not judge (a rate the tool assumed)
        self.output = None       # the user's forward output on batch A (valid shape) or None
        self.grads = None        # the user's gradients, torch layout (None where unusable)

    def add(self, name, kind, passed, **kw) -> Check:
        check = Check(name, kind, self.dtype, passed, **kw)
        self.checks.append(check)
        return check

    def fresh(self) -> Instance | None:
        """A newly built object holding the shared initial weights, or None if it cannot be built."""
        inst = self.subject.build().value
        if inst is not None and not self.subject.set_params(inst, self.P0).ok:
            return None
        return inst

    def joint_rel_diff(self, a: dict, b: dict) -> float:
        """rel_diff of all parameters (or gradients) at once; inf when either holds a NaN or inf."""
        a, b = (dx.joint([d[k] for k in self.subject.keys]) for d in (a, b))
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            return math.inf
        return rel_diff(a, b)

    def as_output(self, outcome: Outcome, what: str = "forward") -> tuple[np.ndarray | None, Finding | None]:
        """A forward outcome as the (N, out) output array, or None and the finding that says why not."""
        if not outcome.ok:
            return None, call_failed(outcome, what)
        value = outcome.value
        if isinstance(value, (tuple, list)):
            return None, Finding.of("wrong_return", "sequence", what=what, kind=type(value).__name__,
                                    length=len(value), expected=(self.n, self.n_out))
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None, Finding.of("wrong_return", "not_array", what=what, kind=type(value).__name__)
        if arr.shape != (self.n, self.n_out):
            transposed = arr.shape == (self.n_out, self.n)
            return None, Finding.of("wrong_shape", "output_transposed" if transposed else "output", what=what,
                                    shape=arr.shape, expected=(self.n, self.n_out))
        if not np.all(np.isfinite(arr)):
            return None, Finding.of("not_finite", "output", what=what)
        return arr, None

    def user_gradients(self, inst: Instance, X, Y, output) -> tuple[dict | None, str | None]:
        """backward's gradients converted to torch layout, or None with the reason."""
        out = self.subject.backward(inst, X, Y, output)
        if not out.ok:
            return None, out.error
        grads = {}
        for key in self.subject.keys:
            arr, problem = dx.gradient_array(key, out.value.get(key))
            if arr is None or problem is not None:
                grads[key] = None
                continue
            status, _ = dx.shape_findings(key, arr, self.subject.user_shape(key), self.n)
            grads[key] = self.torch_layout_gradient(key, arr, status)
        return grads, None

    def torch_layout_gradient(self, key: str, arr: np.ndarray, status: str) -> np.ndarray | None:
        """A returned gradient in torch layout, given its shape ``status`` (from ``dx.shape_findings``).

        ``ok``: converted; ``transposed`` or ``per_sample`` (one row per sample): put right
        (transposed back, summed over the batch) so that their values can still be diagnosed -
        their check fails anyway; any other shape: None.
        """
        if status == "ok":
            return self.subject.to_torch(key, arr)
        if status == "transposed":
            return self.subject.to_torch(key, arr.T)
        if status == "per_sample":
            return arr.sum(axis=0).reshape(self.P0[key].shape)
        return None

    def fresh64(self) -> tuple[Instance, np.ndarray, np.ndarray, dict[str, np.ndarray]] | None:
        """A fresh object, and X, Y and the initial weights in float64 (finite differences are taken in
        float64 whatever the dtype); None if the object cannot be built."""
        inst = self.fresh()
        if inst is None:
            return None
        return (inst, self.data["X"].astype(np.float64), self.data["Y"].astype(np.float64),
                {k: v.astype(np.float64) for k, v in self.P0.items()})

    def float64_gradients(self) -> dict | None:
        """The user's gradients with float64 weights and data: what finite differences are compared with."""
        if "gradients" not in self._float64:
            self._float64["gradients"] = self._float64_gradients()
        return self._float64["gradients"]

    def _float64_gradients(self) -> dict | None:
        fresh = self.fresh64()
        if fresh is None:
            return None
        inst, X, Y, P64 = fresh
        self.subject.set_params(inst, P64, "float64")
        fwd = self.subject.forward(inst, X)
        grads, _ = self.user_gradients(inst, X, Y, fwd.value) if fwd.ok else (None, None)
        return grads

    def own_loss_fd(self, loss_name: str):
        """Directional finite differences of ``loss(your forward(p))`` at the shared weights, in float64."""
        if ("fd", loss_name) not in self._float64:
            self._float64[("fd", loss_name)] = self._own_loss_fd(loss_name)
        return self._float64[("fd", loss_name)]

    def _own_loss_fd(self, loss_name: str):
        fresh = self.fresh64()
        if fresh is None:
            return None
        inst, X, Y, P64 = fresh
        fn = dx.loss_function(loss_name, self.spec.output_activation)
        failed = []

        def loss_of(params):
            self.subject.set_params(inst, params, "float64")
            out = self.subject.forward(inst, X)
            if not out.ok:
                failed.append(out.error)
                return float("nan")
            return float(fn(np.asarray(out.value, dtype=np.float64), Y))

        result = dx.directional_fd(loss_of, P64, seed=self.config.seed)
        return None if failed else result
