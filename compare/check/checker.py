"""Run someone's network class against torch, check by check, and build the report card.

Per dtype, from the shared initial weights ``MLPSpec(...).init_params()`` and a
fixed batch (the three letters plus two noisy copies: N = 5 rows, so that the
factors N*out = 15, N = 5, out = 3 and 2 are all different and a factor names
its cause), each on a freshly built object:

==================  ===========================================================
check               passes when
==================  ===========================================================
forward output      forward(X) equals torch's output
gradient <param>    backward's gradient equals torch autograd's (walked from the
                    output back, so the first failure is the first wrong layer)
uses the targets    changing Y changes the gradients
no stale cache      forward(B); forward(A); backward(A) = forward(A); backward(A)
one training step   train(X, Y, 1, lr) leaves torch SGD's weights
training run        train(X, Y, epochs, lr) leaves torch SGD's weights
reported loss       the loss train returns or prints is the declared loss
loss is the one     the gradients are the gradient of that reported loss
differentiated      (finite differences of it along random directions)
==================  ===========================================================

Every failure carries the diagnoses of :mod:`compare.check.diagnosis`.
"""

from __future__ import annotations

import math

import numpy as np

from handmade.losses import LOSSES
from handmade.spec import MLPSpec
from handmade.train import TrainPlan

from ..parity import torch_step
from ..records import compare_arrays, rel_diff
from ..tolerance import tolerance_for
from . import diagnosis as dx
from .adapters import Adapter, Instance, Network, Outcome, UserCodeFailed, load_target, make_adapter
from .diagnosis import Finding
from .results import Check, CheckConfig, Report, canonical_loss, check_batches, reported_loss

__all__ = ["Check", "CheckConfig", "Checker", "Report", "canonical_loss", "run_check"]

class Checker:
    """All checks of one class in one dtype."""

    def __init__(self, adapter: Adapter, config: CheckConfig, dtype: str):
        self.adapter, self.config, self.dtype = adapter, config, dtype
        self.spec = MLPSpec(sizes=adapter.net.sizes, activation=config.activation,
                            output_activation=config.output_activation, loss=config.loss, seed=config.seed,
                            dtype=dtype)
        self.tol = tolerance_for(dtype)
        self.dtol = dx.diagnosis_tolerance(dtype)
        self.P0 = self.spec.init_params()
        self.data = {k: v.astype(dtype) for k, v in check_batches().items()}
        self.n, self.n_out = self.data["Y"].shape
        self.ref = torch_step(self.spec, self.P0, self.data["X"], self.data["Y"])
        self.checks: list[Check] = []
        self.overview: list[Finding] = []
        self.output = None       # the user's forward output on batch A (valid shape) or None
        self.grads = None        # the user's gradients, torch layout (None where unusable)
        self.reported = None     # (candidate loss names, value)

    # -- helpers ------------------------------------------------------------------------------
    def add(self, name, kind, passed, **kw) -> Check:
        check = Check(name, kind, self.dtype, passed, **kw)
        self.checks.append(check)
        return check

    def fresh(self) -> Instance | None:
        inst, error = self.adapter.build()
        if inst is not None:
            self.adapter.set_params(inst, self.P0)
        return inst

    def as_output(self, outcome: Outcome, what: str = "forward") -> tuple[np.ndarray | None, Finding | None]:
        if not outcome.ok:
            return None, Finding("exception", f"{what} raised {outcome.error}")
        value = outcome.value
        if isinstance(value, (tuple, list)):
            return None, Finding("wrong_return", f"{what} returned a {type(value).__name__} of {len(value)}; "
                                                 f"it should return the output array ({self.n}, {self.n_out})")
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None, Finding("wrong_return", f"{what} returned {type(value).__name__}, not an array")
        if arr.shape != (self.n, self.n_out):
            hint = " (transposed)" if arr.shape == (self.n_out, self.n) else ""
            return None, Finding("wrong_shape", f"{what} returned shape {arr.shape}{hint}, expected "
                                                f"({self.n}, {self.n_out})")
        if not np.all(np.isfinite(arr)):
            return None, Finding("not_finite", f"{what} returned NaN/inf")
        return arr, None

    def user_gradients(self, inst: Instance, X, Y, output) -> tuple[dict | None, str | None]:
        """backward's gradients converted to torch layout, or None with the reason."""
        out = self.adapter.backward(inst, X, Y, output)
        if not out.ok:
            return None, out.error
        grads = {}
        for key in self.adapter.keys:
            try:
                arr = np.asarray(out.value[key], dtype=np.float64)
            except (TypeError, ValueError, KeyError):
                grads[key] = None
                continue
            grads[key] = self.fixed_gradient(key, arr)
        return grads, None

    def fixed_gradient(self, key: str, arr: np.ndarray) -> np.ndarray | None:
        """A returned gradient in torch layout; transposed or per-sample ones put right (their check fails anyway)."""
        status, _ = dx.shape_findings(key, arr, self.adapter.user_shape(key), len(self.data["X"]))
        if status == "ok":
            return self.adapter.to_torch(key, arr)
        if status == "transposed":
            return self.adapter.to_torch(key, arr.T)
        if status == "per_sample":
            return arr.sum(axis=0).reshape(self.P0[key].shape)
        return None

    def float64_gradients(self) -> dict | None:
        """The user's gradients with float64 weights and data: what finite differences are compared with."""
        inst = self.fresh()
        if inst is None:
            return None
        X, Y = self.data["X"].astype(np.float64), self.data["Y"].astype(np.float64)
        self.adapter.set_params(inst, {k: v.astype(np.float64) for k, v in self.P0.items()})
        fwd = self.adapter.forward(inst, X)
        grads, _ = self.user_gradients(inst, X, Y, fwd.value) if fwd.ok else (None, None)
        return grads

    # -- the checks --------------------------------------------------------------------------------
    def run(self) -> None:
        inst, error = self.adapter.build()
        if inst is None:
            self.add("construct", "construct", False, findings=[Finding("exception", error)])
            return
        self.check_forward()
        self.check_gradients()
        self.check_targets()
        self.check_stale_cache()
        self.check_training()

    def check_forward(self) -> None:
        inst = self.fresh()
        arr, problem = self.as_output(self.adapter.forward(inst, self.data["X"]))
        if problem:
            self.add("forward output", "forward", False, findings=[problem])
            return
        self.output = arr
        rec = compare_arrays("output", arr, self.ref["output"], self.tol.step)
        check = self.add("forward output", "forward", rec.passed, rel=rec.max_rel_diff, tolerance=self.tol.step)
        if not rec.passed:
            check.findings += self.forward_findings(inst, arr)

    def forward_findings(self, inst: Instance, arr: np.ndarray) -> list[Finding]:
        found = []
        rng = np.random.default_rng(1)
        for key in self.adapter.keys:  # which parameters the forward ignores
            moved = {**self.P0, key: self.P0[key] + rng.uniform(0.5, 1.0, self.P0[key].shape).astype(self.dtype)}
            self.adapter.set_params(inst, moved)
            again, _ = self.as_output(self.adapter.forward(inst, self.data["X"]))
            if again is not None and np.array_equal(again, arr):
                name = self.adapter.name(key)
                found.append(Finding("param_unused", f"the forward pass does not use {name} "
                                                     f"(changing {name} leaves the output unchanged)",
                                     {"param": name}))
        self.adapter.set_params(inst, self.P0)
        for code, words, alt in dx.forward_alternatives(self.spec, self.P0, self.data["X"]):
            if dx.tensor_rel_error(arr, alt) <= self.dtol:
                found.append(Finding(code, f"the output matches torch's network in which {words}"))
        alpha = dx.leaky_slope_of_forward(self.spec, self.P0, self.data["X"], arr, self.dtol)
        if alpha is not None:
            found.append(Finding("forward_leaky_slope", f"the output matches a leaky ReLU with slope {alpha:.6g} "
                                                        f"(declared: {self.spec.activation})", {"slope": alpha}))
        found += dx.value_findings("the output", arr, self.ref["output"], self.n, self.n_out, self.dtol)
        if not found:
            found.append(Finding("forward_differs", "the output differs from torch's and matches none of the "
                                                    "tested variants (a bias left out, another activation)"))
        return found

    def check_gradients(self) -> None:
        inst = self.fresh()
        fwd = self.adapter.forward(inst, self.data["X"])
        if not fwd.ok:
            self.add("backward", "gradient", False, findings=[Finding("exception", f"forward raised {fwd.error}")])
            return
        out = self.adapter.backward(inst, self.data["X"], self.data["Y"], fwd.value)
        for note in inst.notes:
            self.add("backward updates weights", "note", True, counted=False, findings=[Finding("note", note)])
        if not out.ok:
            code = "wrong_return" if out.error.startswith("backward returned") else "exception"
            self.add("backward", "gradient", False, findings=[Finding(code, out.error)])
            return
        L = self.spec.n_layers
        order = [f"layers.{l}.{kind}" for l in range(L - 1, -1, -1) for kind in ("weight", "bias")]
        grads, checks = {}, {}
        shapes = {}
        for key in order:
            name = self.adapter.name(key)
            raw = out.value.get(key)
            ref = self.ref[f"grad {key}"]
            label = f"gradient {name}"
            try:
                arr = np.asarray(raw, dtype=np.float64)
                if raw is None:
                    raise TypeError
            except (TypeError, ValueError):
                checks[key] = self.add(label, "gradient", False, param=name, findings=[Finding(
                    "wrong_return", f"d{name} is {type(raw).__name__}, not an array")])
                grads[key] = None
                continue
            shapes[key] = arr.shape
            status, problem = dx.shape_findings(f"d{name}", arr, self.adapter.user_shape(key), self.n)
            if status == "ok":
                g = self.adapter.to_torch(key, arr)
                rec = compare_arrays(label, g, ref, self.tol.step)
                check = self.add(label, "gradient", rec.passed, param=name, rel=rec.max_rel_diff,
                                 tolerance=self.tol.step)
                if not rec.passed:
                    check.findings += dx.value_findings(f"d{name}", g, ref, self.n, self.n_out, self.dtol)
                grads[key], checks[key] = g, check
                continue
            candidate = None
            if status == "transposed":
                candidate = self.adapter.to_torch(key, arr.T)
            elif status == "per_sample":
                candidate = arr.sum(axis=0).reshape(ref.shape)
            if candidate is not None:
                rel = rel_diff(candidate, ref)
                fixed = "transposed back" if status == "transposed" else "summed over the batch"
                verdict = "it equals torch's" if rel <= self.tol.step else "it still differs from torch's"
                problem.message += f"; {fixed}, {verdict} (rel {rel:.2g})"
                problem.details["rel_after_fix"] = rel
            checks[key] = self.add(label, "gradient", False, param=name, rel=math.inf, tolerance=self.tol.step,
                                   findings=[problem])
            grads[key] = candidate
        self.note_wrong_order(shapes, checks)
        self.grads = grads
        if all(c.passed for c in checks.values()):
            return
        self.diagnose_gradients(grads, checks, order)

    def note_wrong_order(self, shapes: dict, checks: dict) -> None:
        expected = {k: tuple(self.adapter.user_shape(k)) for k in self.adapter.keys}
        if len(shapes) == len(expected) and any(shapes[k] != expected[k] for k in shapes) and \
                sorted(shapes.values()) == sorted(expected.values()):
            names = ", ".join(f"d{self.adapter.name(k)}" for k in self.adapter.keys)
            got = ", ".join(str(shapes[k]) for k in self.adapter.keys)
            finding = Finding("wrong_order", f"the gradients come back in another order: shapes {got}, "
                                             f"expected the order {names}")
            for key in self.adapter.keys:
                if shapes[key] != expected[key]:
                    checks[key].findings.append(finding)

    def diagnose_gradients(self, grads: dict, checks: dict, order: list[str]) -> None:
        failing = [k for k in order if not checks[k].passed]
        first = failing[0]
        usable = all(grads[k] is not None and np.all(np.isfinite(grads[k])) for k in order)
        L = self.spec.n_layers
        if usable:
            user = dx.joint([grads[k] for k in order])
            truth = dx.joint([self.ref[f"grad {k}"] for k in order])
            c, residual = dx.fit_factor(user, truth)
            if residual <= self.dtol and len(failing) == len(order):
                other = dx.loss_for_factor(c, self.spec.loss, self.n, self.n_out, self.dtol)
                words = dx.explain_factor(c, self.n, self.n_out, self.dtol)
                hint = (f"; that is the gradient of {other} ({LOSSES[other].description}): if your class "
                        f"implements {other}, run with --loss {other}") if other else ""
                self.overview.append(Finding("factor" if not dx.close(c, -1, self.dtol) else "sign_flipped",
                                             f"every gradient is {c:.6g} x torch's: {words}{hint}",
                                             {"factor": c, "suggested_loss": other}))
            zero_y = torch_step(self.spec, self.P0, self.data["X"], np.zeros_like(self.data["Y"]))
            c0, residual0 = dx.fit_factor(user, dx.joint([zero_y[f"grad {k}"] for k in order]))
            if residual0 <= self.dtol:
                scale = "" if dx.close(c0, 1.0, self.dtol) else f" ({c0:.6g} x torch's gradient with y = 0)"
                checks[first].findings.append(Finding(
                    "backprop_output", f"the gradients are those of back-propagating the output s instead of the "
                                       f"error s - y{scale}: the targets are ignored", {"factor": c0}))
        # The first wrong layer walking back from the output, and what its gradients match.
        layer = int(first.split(".")[1])
        names = (self.adapter.name(f"layers.{layer}.weight"), self.adapter.name(f"layers.{layer}.bias"))
        later = "" if layer == L - 1 else " (the layers after it match torch)"
        self.overview.append(Finding("first_wrong_layer", f"walking back from the output, layer {layer + 1} "
                                     f"({names[0]}, {names[1]}) is the first with a wrong gradient{later}; "
                                     f"wrong gradients in earlier layers may follow from it",
                                     {"layer": layer, "param": self.adapter.name(first)}))
        gw, gb = grads[f"layers.{layer}.weight"], grads[f"layers.{layer}.bias"]
        if gw is not None and gb is not None and not any(f.code == "backprop_output" for f in checks[first].findings):
            a_prev = self.data["X"] if layer == 0 else self.ref[f"a[{layer - 1}]"]
            from handmade.activations import Activation
            if layer < L - 1:
                found = dx.hidden_layer_findings(layer, Activation(self.spec.activation), self.ref, a_prev,
                                                 gw, gb, names, self.dtol)
            else:
                found = dx.output_layer_findings(layer, Activation(self.spec.output_activation), self.ref,
                                                 a_prev, gw, gb, names, self.dtol)
            checks[first].findings += found
        self.finite_difference_findings(grads, checks, failing)

    def own_loss_fd(self, loss_name: str):
        """Directional finite differences of ``loss(your forward(p))`` at the shared weights, in float64."""
        inst = self.fresh()
        if inst is None:
            return None
        X = self.data["X"].astype(np.float64)
        Y = self.data["Y"].astype(np.float64)
        fn = dx.loss_function(loss_name)
        failed = []

        def loss_of(params):
            self.adapter.set_params(inst, params)
            out = self.adapter.forward(inst, X)
            if not out.ok:
                failed.append(out.error)
                return float("nan")
            return float(fn(np.asarray(out.value, dtype=np.float64), Y))

        P64 = {k: v.astype(np.float64) for k, v in self.P0.items()}
        result = dx.directional_fd(loss_of, P64, seed=self.config.seed)
        return None if failed else result

    def finite_difference_findings(self, grads: dict, checks: dict, failing: list[str]) -> None:
        # Without a usable forward output (it raised, or had the wrong shape) finite differences mean nothing.
        fd = self.own_loss_fd(self.spec.loss) if self.output is not None else None
        if fd is None:
            return
        dirs, numeric = fd
        grads64 = self.float64_gradients() or {}
        forward_ok = any(c.name == "forward output" and c.passed for c in self.checks)
        for key in failing:
            g, name = grads64.get(key), self.adapter.name(key)
            if g is None or rel_diff(grads[key], self.ref[f"grad {key}"]) <= self.tol.step:
                continue  # unusable, or only its shape is wrong: finite differences add nothing
            err = dx.fd_error(g, dirs[key], numeric[key])
            if not np.any(np.abs(numeric[key]) > 1e-12 * max(1.0, float(np.max(np.abs(self.P0[key]))))):
                checks[key].findings.append(Finding("param_unused", f"your forward does not depend on {name}, "
                                                    f"so the true gradient of your loss in {name} is 0"))
            elif err <= self.tol.finite_diff:
                checks[key].findings.append(Finding(
                    "forward_or_loss_differs", f"d{name} matches finite differences of your own forward and the "
                    f"{self.spec.loss} loss (rel {err:.1e}): the backward is right for your forward; the "
                    f"difference is in the forward or in the loss", {"fd_rel": err}))
            else:
                where = "your forward matches torch's, so " if forward_ok else ""
                checks[key].findings.append(Finding(
                    "backward_wrong", f"d{name} matches neither torch's gradient nor finite differences of your "
                    f"own forward and the {self.spec.loss} loss (rel {err:.2g}): {where}the backward itself is wrong",
                    {"fd_rel": err}))

    def check_targets(self) -> None:
        if self.grads is None or any(g is None for g in self.grads.values()):
            return
        inst = self.fresh()
        fwd = self.adapter.forward(inst, self.data["X"])
        if not fwd.ok:
            return
        other, error = self.user_gradients(inst, self.data["X"], self.data["Y_other"], fwd.value)
        if other is None or any(g is None for g in other.values()):
            return
        keys = list(self.grads)
        change = rel_diff(dx.joint([other[k] for k in keys]), dx.joint([self.grads[k] for k in keys]))
        passed = change > self.tol.step
        check = self.add("uses the targets", "targets", passed)
        if not passed:
            check.findings.append(Finding("ignores_targets", "changing the targets Y leaves every gradient unchanged: "
                                          "backward does not use Y (it back-propagates the output instead of output "
                                          "minus target, so training drives every output towards 0)"))

    def check_stale_cache(self) -> None:
        if self.grads is None or any(g is None for g in self.grads.values()):
            return
        inst = self.fresh()
        first = self.adapter.forward(inst, self.data["XB"])
        fwd = self.adapter.forward(inst, self.data["X"])
        if not (first.ok and fwd.ok):
            return
        grads, error = self.user_gradients(inst, self.data["X"], self.data["Y"], fwd.value)
        if grads is None or any(g is None for g in grads.values()):
            return
        differ = [self.adapter.name(k) for k in self.grads if rel_diff(grads[k], self.grads[k]) > self.tol.step]
        check = self.add("no stale cache", "cache", not differ)
        if differ:
            same_out = np.array_equal(np.asarray(fwd.value, dtype=np.float64), self.output) \
                if self.output is not None else False
            what = "" if same_out else " (the forward output itself changed too)"
            check.findings.append(Finding("stale_cache", f"after forward(B), forward(A), backward(A) the gradients of "
                                          f"{', '.join(differ)} differ from those after forward(A), backward(A): "
                                          f"backward reads values cached by an earlier forward call{what}",
                                          {"params": differ}))

    def check_training(self) -> None:
        from torch_ref.model import TorchMLP
        from torch_ref.train import train_torch

        X, Y, lr = self.data["X"], self.data["Y"], self.config.lr
        torch_one = train_torch(TorchMLP(self.spec, self.P0), X, Y, TrainPlan(lr=lr, epochs=1)).final_params
        inst = self.fresh()
        one = self.adapter.train(inst, X, Y, 1, lr)
        after = self.adapter.get_params(inst) if one.ok else None
        step_ok = False
        if not one.ok:
            self.add("one training step", "update", False, findings=[Finding("exception", f"train raised {one.error}")])
        elif after is None:
            self.add("one training step", "update", False, findings=[Finding(
                "wrong_shape", "after train the weights are missing or have another shape")])
        else:
            keys = self.adapter.keys
            rel = rel_diff(dx.joint([after[k] for k in keys]), dx.joint([torch_one[k] for k in keys]))
            step_ok = rel <= self.tol.step
            check = self.add("one training step", "update", step_ok, rel=rel, tolerance=self.tol.step)
            if not step_ok:
                ref_grads = {k: self.ref[f"grad {k}"].astype(np.float64) for k in keys}
                before = {k: v.astype(np.float64) for k, v in self.P0.items()}
                names = {k: self.adapter.name(k) for k in keys}
                check.findings += dx.update_findings(before, after, ref_grads, self.grads, lr, names, self.dtol)
        self.check_reported_loss(one, inst if one.ok else None)
        self.check_run(step_ok)

    def check_run(self, step_ok: bool) -> None:
        from torch_ref.model import TorchMLP
        from torch_ref.train import train_torch

        X, Y, lr, epochs = self.data["X"], self.data["Y"], self.config.lr, self.config.epochs
        history = train_torch(TorchMLP(self.spec, self.P0), X, Y, TrainPlan(lr=lr, epochs=epochs))
        inst = self.fresh()
        run = self.adapter.train(inst, X, Y, epochs, lr)
        after = self.adapter.get_params(inst) if run.ok else None
        name = f"training run ({epochs} epochs)"
        if after is None:
            problem = f"train raised {run.error}" if not run.ok else "after train the weights have another shape"
            self.add(name, "trajectory", False, findings=[Finding("exception" if not run.ok else "wrong_shape",
                                                                  problem)])
            return
        keys = self.adapter.keys
        rel = rel_diff(dx.joint([after[k] for k in keys]), dx.joint([history.final_params[k] for k in keys]))
        passed = rel <= self.tol.step * epochs
        check = self.add(name, "trajectory", passed, rel=rel, tolerance=self.tol.step * epochs)
        if not passed:
            if step_ok:
                check.findings.append(Finding("trajectory_diverges", f"one step matches torch but {epochs} do not: "
                                              "state carried from one epoch to the next differs (a stale cache, "
                                              "momentum, a learning-rate schedule?)"))
            else:
                check.findings.append(Finding("follows_from_step", "follows from the wrong single step above"))

    def check_reported_loss(self, one: Outcome, inst: Instance | None) -> None:
        if inst is None or self.output is None:
            return
        found = reported_loss(one)
        if found is None:
            self.add("reported loss", "loss_report", True, counted=False, findings=[Finding(
                "no_reported_loss", "train neither returns nor prints a loss: nothing to check")])
            return
        value, precision, where = found
        Y = self.data["Y"]
        tol = max(self.tol.step, precision / max(abs(value), 1e-300))
        matches = dx.identify_loss(value, self.output, Y, tol)
        declared = float(LOSSES[self.spec.loss].f(self.output.astype(np.float64), Y.astype(np.float64)))
        rel = abs(value - declared) / max(abs(declared), abs(value), 1e-300)
        passed = self.spec.loss in matches
        after_update = False
        if not passed:  # some classes report the loss after the update: accept that, say so
            later, _ = self.as_output(self.adapter.forward(inst, self.data["X"]))
            if later is not None and self.spec.loss in dx.identify_loss(value, later, Y, tol):
                passed, after_update, matches = True, True, [self.spec.loss]
        check = self.add("reported loss", "loss_report", passed, rel=None if after_update else rel, tolerance=tol,
                         in_worst=precision == 0)
        if after_update:
            check.findings.append(Finding("note", f"the {where} loss is measured after the update"))
        elif not passed:
            names = ", ".join(f"{m} = {dx.LOSS_CANDIDATES[m][1]}" for m in matches) or "none of the usual losses"
            check.findings.append(Finding("reported_loss", f"train's {where} loss at epoch 1 is {value:.8g}; the "
                                          f"declared {self.spec.loss} of your output is {declared:.8g}. The "
                                          f"reported value is: {names}", {"value": value, "matches": matches}))
        self.check_loss_is_differentiated(matches, value, where)

    def check_loss_is_differentiated(self, matches: list[str], value: float, where: str) -> None:
        if not matches or self.grads is None or any(g is None for g in self.grads.values()):
            return
        name = self.spec.loss if self.spec.loss in matches else matches[0]
        grads_ok = all(c.passed for c in self.checks if c.kind == "gradient")
        label = "reported loss is differentiated"
        if grads_ok and name == self.spec.loss:
            self.add(label, "loss_consistency", True)
            return
        fd = self.own_loss_fd(name)
        grads64 = self.float64_gradients()
        if fd is None or grads64 is None or any(g is None for g in grads64.values()):
            return
        dirs, numeric = fd
        worst = max(dx.fd_error(grads64[k], dirs[k], numeric[k]) for k in grads64)
        passed = worst <= self.tol.finite_diff
        text = dx.LOSS_CANDIDATES[name][1] if name in dx.LOSS_CANDIDATES else name
        if passed:
            self.add(label, "loss_consistency", True, findings=[Finding(
                "note", f"backward differentiates the reported loss {name} = {text}")])
            return
        # The reported loss is the declared one and the gradients are wrong: say more only when the
        # gradients are identified as those of another function (else the gradient checks say it all).
        known = [f for c in self.checks for f in c.findings if f.code == "backprop_output"]
        known += [f for f in self.overview if f.code == "factor" and f.details.get("suggested_loss")]
        if name == self.spec.loss and not known:
            return
        instead = ""
        if known and known[0].code == "backprop_output":
            instead = "; backward differentiates a function of the output alone (the targets are ignored)"
        elif known:
            instead = f"; backward differentiates {known[0].details['suggested_loss']}"
        self.add(label, "loss_consistency", False, tolerance=self.tol.finite_diff, findings=[Finding(
            "reported_loss_not_differentiated",
            f"the {where} loss is {name} = {text}, but backward's gradients are not its gradient (finite "
            f"differences of it along random directions differ by rel {worst:.2g}){instead}: the number that "
            f"goes down is not the loss being minimised", {"reported": name, "fd_rel": worst})])


def run_check(target, config: CheckConfig) -> Report:
    """Check ``target`` (``"file.py:Class"``, a ``LoadedClass`` or a class) in every dtype of ``config``."""
    from .adapters import LoadedClass

    if isinstance(target, str):
        try:
            loaded = load_target(target)
        except UserCodeFailed as exc:
            report = Report(target, config.interface, "-", config, ())
            report.checks.append(Check("load", "construct", "float64", False,
                                       findings=[Finding("exception", str(exc))]))
            return report
    elif isinstance(target, type):
        loaded = LoadedClass(cls=target, label=target.__name__, source=_source_of(target))
    else:
        loaded = target
    sizes = (int(check_batches()["X"].shape[1]), config.hidden, int(check_batches()["Y"].shape[1]))
    loss = canonical_loss(config.loss)
    config = CheckConfig(**{**config.__dict__, "loss": loss})
    report = None
    for dtype in config.dtypes:
        adapter = make_adapter(config.interface, loaded, Network(sizes, config.activation,
                                                                 config.output_activation, loss, dtype))
        if report is None:
            report = Report(loaded.label, adapter.interface, adapter.construction_text(), config, sizes)
        checker = Checker(adapter, config, dtype)
        checker.run()
        report.checks += checker.checks
        report.overview[dtype] = checker.overview
    return report


def _source_of(cls: type) -> str | None:
    import inspect

    try:
        return inspect.getsourcefile(cls)
    except TypeError:
        return None
