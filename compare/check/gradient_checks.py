"""The forward and gradient checks: forward output, every gradient, uses the targets, no stale cache.

Each check runs on a freshly built object holding the shared initial weights and
compares with torch's ``torch_step`` on the same batch (see :mod:`.checker` for the
list of checks). Gradients are walked from the output back, so the first failure is
the first wrong layer; every failure is diagnosed from the arrays
(:mod:`.diagnosis`): a constant factor, back-propagating the output, the first wrong
layer's activation derivative, and finite differences of the user's own forward and
loss (which tell "backward right, forward differs" from "backward wrong").
"""

from __future__ import annotations

import math

import numpy as np

from compare.check import diagnoses as dx
from compare.check.findings import Finding
from compare.check.results import Check
from compare.check.session import CheckSession, call_failed, complete
from compare.check.subject import Instance
from compare.check.texts import say
from compare.measure.differences import rel_diff
from compare.measure.records import compare_arrays
from compare.step.parity import torch_step
from handmade.activations import Activation
from handmade.contract.errors import InvalidInput
from handmade.contract.keys import bias_key, weight_key


class ForwardAndGradientChecks(CheckSession):
    """The checks of one class in one dtype that need only forward and backward (no training)."""

    def check_forward(self) -> None:
        inst = self.fresh()
        arr, problem = self.as_output(self.subject.forward(inst, self.data["X"]))
        if problem:
            self.add(say("check.forward_output"), "forward", False, findings=[problem])
            return
        self.output = arr
        rec = compare_arrays("output", arr, self.ref["output"], self.tol.step)
        check = self.add(say("check.forward_output"), "forward", rec.passed, rel=rec.max_rel_diff,
                         tolerance=self.tol.step)
        if not rec.passed:
            check.findings += self.forward_findings(inst, arr)

    def forward_findings(self, inst: Instance, arr: np.ndarray) -> list[Finding]:
        found = []
        rng = np.random.default_rng(1)
        for key in self.subject.keys:  # which parameters the forward ignores
            moved = {**self.P0, key: self.P0[key] + rng.uniform(0.5, 1.0, self.P0[key].shape).astype(self.dtype)}
            self.subject.set_params(inst, moved)
            again, _ = self.as_output(self.subject.forward(inst, self.data["X"]))
            if again is not None and np.array_equal(again, arr):
                found.append(Finding.of("param_unused", "forward", param=self.subject.name(key)))
        self.subject.set_params(inst, self.P0)
        for alternative, alt in dx.forward_alternatives(self.spec, self.P0, self.data["X"]):
            if dx.rel_error_l2(arr, alt) <= self.dtol:
                found.append(alternative)
        alpha = dx.leaky_slope_of_forward(self.spec, self.P0, self.data["X"], arr, self.dtol)
        if alpha is not None:
            found.append(Finding.of("forward_leaky_slope", slope=alpha, declared=self.spec.activation))
        found += dx.value_findings(say("phrase.the_output"), arr, self.ref["output"], self.n, self.n_out, self.dtol)
        if not found:
            found.append(Finding.of("forward_differs"))
        return found

    def check_gradients(self) -> None:
        if self.subject.plan["gradients"] is None:  # not checked (the report says why): no finding to make
            return
        inst = self.fresh()
        fwd = self.subject.forward(inst, self.data["X"])
        if not fwd.ok:
            self.add(say("check.backward"), "gradient", False, findings=[call_failed(fwd, "forward")])
            return
        out = self.subject.backward(inst, self.data["X"], self.data["Y"], fwd.value)
        if "updates" in inst.flags:
            self.add(say("check.backward_updates"), "note", True, counted=False,
                     findings=[Finding.of("note", "updates", method=self.subject.plan["gradients"]["name"])])
        if not out.ok:
            self.add(say("check.backward"), "gradient", False, findings=[call_failed(out, "backward")])
            return
        self.flags, self.order = set(inst.flags), list(inst.order)
        order = [key for l in range(self.spec.n_layers - 1, -1, -1) for key in self.subject.keys
                 if key in (weight_key(l), bias_key(l))]
        grads, checks = {}, {}
        for key in order:
            checks[key], grads[key] = self.check_one_gradient(key, out.value.get(key))
        self.grads = grads
        if all(c.passed for c in checks.values()):
            return
        self.diagnose_gradients(grads, checks, order)

    def check_one_gradient(self, key: str, raw) -> tuple[Check, np.ndarray | None]:
        """The report-card line of one returned gradient: (check, the gradient in torch layout or None).

        A wrongly shaped gradient that is only transposed or not summed over the batch is put
        right (and still failed), so that its values can be diagnosed too.
        """
        name = self.subject.name(key)
        ref = self.ref[f"grad {key}"]
        label = say("check.gradient", param=name)
        arr, precision = dx.gradient_array(f"d{name}", raw)
        if arr is None:
            return self.add(label, "gradient", False, param=name, findings=[precision]), None
        status, problem = dx.shape_findings(f"d{name}", arr, self.subject.user_shape(key), self.n)
        if status == "ok":
            g = self.subject.to_torch(key, arr)
            rec = compare_arrays(label, g, ref, self.tol.step)
            check = self.add(label, "gradient", rec.passed, param=name, rel=rec.max_rel_diff, tolerance=self.tol.step)
            if not rec.passed:  # a half-precision gradient is explained by its precision, not by a formula
                check.findings += [precision] if precision is not None else \
                    dx.value_findings(f"d{name}", g, ref, self.n, self.n_out, self.dtol, self.spec.loss)
            return check, (None if precision is not None and not rec.passed else g)
        candidate = self.torch_layout_gradient(key, arr, status)
        if candidate is not None:
            rel = rel_diff(candidate, ref)
            verdict = say("phrase.equals_torch") if rel <= self.tol.step else say("phrase.still_differs")
            problem = problem.extended("fixed", verdict=verdict, rel_after_fix=rel)
        check = self.add(label, "gradient", False, param=name, rel=math.inf, tolerance=self.tol.step,
                         findings=[problem])
        return check, candidate

    def diagnose_gradients(self, grads: dict, checks: dict, order: list[str]) -> None:
        failing = [k for k in order if not checks[k].passed]
        first = failing[0]
        usable = complete(grads)
        L = self.spec.n_layers
        if usable:
            user = dx.joint([grads[k] for k in order])
            truth = dx.joint([self.ref[f"grad {k}"] for k in order])
            c, residual = dx.fit_factor(user, truth)
            if residual <= self.dtol and len(failing) == len(order) and self.rate_was_guessed(c, checks):
                return
            if residual <= self.dtol and len(failing) == len(order):
                other = dx.loss_for_factor(c, self.spec.loss, self.n, self.n_out, self.dtol)
                words = dx.explain_factor(c, self.n, self.n_out, self.dtol, self.spec.loss)
                hint = say("phrase.other_loss_hint", loss=other, description=say(f"loss.{other}")) if other else ""
                self.overview.append(Finding.of("factor" if not dx.close(c, -1, self.dtol) else "sign_flipped",
                                                "overview", factor=c, meaning=words, hint=hint, suggested_loss=other))
            if residual > self.dtol and len(failing) == len(order):
                self.overview += self.other_loss_findings(user, order)
            zero_y = torch_step(self.spec, self.P0, self.data["X"], np.zeros_like(self.data["Y"]))
            c0, residual0 = dx.fit_factor(user, dx.joint([zero_y[f"grad {k}"] for k in order]))
            if residual0 <= self.dtol:
                scale = "" if dx.close(c0, 1.0, self.dtol) else say("phrase.times_zero_target", factor=c0)
                checks[first].findings.append(Finding.of("backprop_output", scale=scale, factor=c0))
        # The first wrong layer walking back from the output, and what its gradients match.
        layer = int(first.split(".")[1])
        keys = [k for k in (weight_key(layer), bias_key(layer)) if k in grads]   # no bias key without biases
        names = tuple(self.subject.name(k) for k in keys)
        self.overview.append(Finding.of("first_wrong_layer", "output" if layer == L - 1 else "hidden",
                                        number=layer + 1, names=list(names), layer=layer,
                                        param=self.subject.name(first)))
        layer_grads = [grads[k] for k in keys]
        if all(g is not None for g in layer_grads) and \
                not any(f.code == "backprop_output" for f in checks[first].findings):
            a_prev = self.data["X"] if layer == 0 else self.ref[f"a[{layer - 1}]"]
            user = dx.UserLayer(layer, layer_grads[0], layer_grads[1] if len(keys) == 2 else None, names)
            if layer < L - 1:
                next_act = Activation(self.spec.output_activation if layer == L - 2 else self.spec.activation)
                found = dx.hidden_layer_findings(user, Activation(self.spec.activation), self.ref, a_prev, self.dtol,
                                                 (next_act, self.P0[weight_key(layer + 1)]))
            else:
                found = dx.output_layer_findings(user, Activation(self.spec.output_activation), self.ref, a_prev,
                                                 self.dtol)
            checks[first].findings += found
        self.finite_difference_findings(grads, checks, failing)

    def rate_was_guessed(self, c: float, checks: dict) -> bool:
        """Gradients read back from an update with a rate the tool had to assume, all c x torch's: that is what
        a rate c times the assumed one gives. Not a bug the tool can name: the checks become notes and the
        report says "not checked" and why (``self.not_checked``)."""
        plan = self.subject.plan["gradients"]
        if plan["source"] != "update" or plan["lr_known"]:
            return False
        rate = c * plan["lr"]
        finding = Finding.of("rate_unknown", method=plan["name"], factor=c, rate=rate)
        for check in checks.values():
            check.counted, check.findings = False, [finding]
        words = say("finding.rate_unknown", **finding.details)
        self.not_checked = {"reason": say("not_checked.rate_unknown", method=plan["name"], words=words),
                            "fix": say("not_checked.rate_unknown_fix")}
        return True

    def other_loss_findings(self, user: np.ndarray, order: list[str]) -> list[Finding]:
        """Gradients of another kind of loss with the same output: a cross-entropy's output delta a - y
        where a squared error is declared (right for softmax + ce and sigmoid + bce, wrong for mse), or
        a squared error's chain rule where a cross-entropy is declared."""
        declared = self.spec.loss
        for other in ("mse", "ce", "bce"):
            if dx.family(other) == dx.family(declared):
                continue
            try:
                spec = self.spec.replace(loss=other)
            except InvalidInput:
                continue  # this output activation cannot go with that loss
            ref = torch_step(spec, self.P0, self.data["X"], self.data["Y"])
            c, residual = dx.fit_factor(user, dx.joint([ref[f"grad {k}"] for k in order]))
            if residual > self.dtol:
                continue
            named = dx.loss_for_factor(c, other, self.n, self.n_out, self.dtol) or other
            scale = "" if named != other or dx.close(c, 1.0, self.dtol) else say(
                "phrase.times_meaning", factor=c, meaning=dx.explain_factor(c, self.n, self.n_out, self.dtol, other))
            link = dx.family(other)
            return [Finding.of("other_loss", "squared" if link == "squared" else "cross_entropy", loss=named,
                               description=say(f"loss.{named}"), output=self.spec.output_activation, scale=scale,
                               declared=declared, link=link, declared_link=dx.family(declared), factor=c)]
        return []

    def finite_difference_findings(self, grads: dict, checks: dict, failing: list[str]) -> None:
        # Without a usable forward output (it raised, or had the wrong shape) finite differences mean nothing.
        fd = self.own_loss_fd(self.spec.loss) if self.output is not None else None
        if fd is None:
            return
        # A gradient already named as a multiple of torch's, or as another loss's, is not "wrong" besides.
        overview_named = any(f.code in ("factor", "sign_flipped", "other_loss") for f in self.overview)

        def explained(check) -> bool:
            return overview_named or any(f.code in ("factor", "sign_flipped") for f in check.findings)
        dirs, numeric = fd
        grads64 = self.float64_gradients() or {}
        forward_ok = any(c.kind == "forward" and c.passed for c in self.checks)
        for key in failing:
            g, name = grads64.get(key), self.subject.name(key)
            usable = g is not None and np.all(np.isfinite(g))
            if not usable or rel_diff(grads[key], self.ref[f"grad {key}"]) <= self.tol.step:
                continue  # unusable (missing, NaN), or only its shape is wrong: finite differences add nothing
            err = dx.fd_error(g, dirs[key], numeric[key])
            if not np.any(np.abs(numeric[key]) > 1e-12 * max(1.0, float(np.max(np.abs(self.P0[key]))))):
                checks[key].findings.append(Finding.of("param_unused", "loss", param=name))
            elif err <= self.tol.finite_diff:
                checks[key].findings.append(Finding.of("forward_or_loss_differs", param=name, loss=self.spec.loss,
                                                       fd_rel=err))
            elif not explained(checks[key]):
                checks[key].findings.append(Finding.of("backward_wrong", "forward_ok" if forward_ok else None,
                                                       param=name, loss=self.spec.loss, fd_rel=err))
