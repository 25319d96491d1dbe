"""The training checks and the reported-loss checks: one step, a short run, the loss train reports.

``train(X, Y, 1, lr)`` and ``train(X, Y, epochs, lr)`` on fresh objects are compared
with torch.optim.SGD from the same weights (a wrong step is diagnosed by
``dx.update_findings``: sign flipped, wrong size, or only the gradients differ). The loss
``train`` returns or prints is identified among the usual losses of the user's own output,
and finite differences of it tell whether backward differentiates that loss.
"""

from __future__ import annotations

import numpy as np

from compare.check import diagnoses as dx
from compare.check.findings import Finding
from compare.check.results import reported_loss
from compare.check.session import CheckSession, call_failed, complete
from compare.check.subject import Instance
from compare.check.texts import say
from compare.sandbox.calls import Outcome
from handmade.contract.plan import TrainPlan
from handmade.losses import loss_of_output
from torch_ref.model import TorchMLP
from torch_ref.train import train_torch

# A cross-entropy is usually printed as -mean(y log(p + eps)) with eps of 1e-12 .. 1e-8, to dodge log(0):
# it moves the value by at most ~eps/p, far below any real mistake in the loss (a factor, a missing term).
LOG_EPSILON = 1e-7


class TrainingAndLossChecks(CheckSession):
    """The checks of one class in one dtype that call its ``train``."""

    def train_both(self, epochs: int, lr: float | None = None) -> tuple[Outcome, Instance | None, dict | None, dict]:
        """``train(X, Y, epochs, lr)`` on a fresh object, and torch.optim.SGD from the same weights.

        Returns the user's outcome, the object, its weights afterwards in torch layout (None if
        train failed or left them missing or misshapen) and torch's final weights. ``lr``: the rate
        torch trains with (default: the configured one, which is also passed to the class).
        """
        X, Y, lr = self.data["X"], self.data["Y"], lr or self.config.lr
        # A class that trains one sample per call takes one SGD step per sample, in order: so does torch then.
        plan = TrainPlan(lr=lr, epochs=epochs, batch_size=1, shuffle=False) if self.subject.per_sample_training \
            else TrainPlan(lr=lr, epochs=epochs)
        torch_after = train_torch(TorchMLP(self.spec, self.P0), X, Y, plan).final_params
        inst = self.fresh()
        outcome = self.subject.train(inst, X, Y, epochs, lr)
        after = self.subject.get_params(inst) if outcome.ok else None
        return outcome, inst, after, torch_after

    @staticmethod
    def training_failure(outcome: Outcome) -> Finding:
        """Why a train call left no weights to compare: it raised or timed out, or the weights are unusable."""
        if not outcome.ok:
            return call_failed(outcome, "train")
        return Finding.of("wrong_shape", "after_train")

    def own_rate(self) -> float | None:
        """The learning rate of a training method that takes none (no argument, no constructor parameter): read
        from one step, as the factor between the step and -gradient (torch's, else the class's own). None when
        the method takes its rate from the checker, or no single factor fits (the step is then judged as is)."""
        train = self.subject.plan["train"]
        if not train or train["lr_known"] or self.subject.per_sample_training:
            return None
        _, _, after, _ = self.train_both(1)
        if after is None:
            return None
        step = dx.joint([after[k] - self.P0[k] for k in self.subject.keys])
        for grads in ({k: self.ref[f"grad {k}"] for k in self.subject.keys}, self.grads):
            if complete(grads):
                c, residual = dx.fit_factor(step, dx.joint([-grads[k] for k in self.subject.keys]))
                if residual <= self.dtol and c > 0:
                    return c
        return None

    def check_training(self) -> None:
        if self.not_checked is not None and not self.subject.plan["train"]:
            return  # the checker's SGD would step with gradients read at a rate the tool had to assume
        own = self.own_rate()
        if own is not None:
            self.add(say("check.learning_rate"), "note", True, counted=False, findings=[Finding.of(
                "own_rate", method=self.subject.plan["train"]["name"], rate=own)])
        lr = own or self.config.lr
        one, inst, after, torch_one = self.train_both(1, lr)
        step_ok = False
        if after is None:
            check = self.add(say("check.one_step"), "update", False, findings=[self.training_failure(one)])
            check.findings += self.order_findings()
        else:
            keys = self.subject.keys
            rel = self.joint_rel_diff(after, torch_one)
            step_ok = rel <= self.tol.step
            check = self.add(say("check.one_step"), "update", step_ok, rel=rel, tolerance=self.tol.step)
            if not step_ok and self.subject.per_sample_training:
                gradients_wrong = any(c.kind == "gradient" and not c.passed for c in self.checks)
                check.findings.append(Finding.of("follows_from_gradients") if gradients_wrong else
                                      Finding.of("update_wrong", "per_sample"))
            elif not step_ok:
                ref_grads = {k: self.ref[f"grad {k}"].astype(np.float64) for k in keys}
                step = dx.TrainingStep({k: v.astype(np.float64) for k, v in self.P0.items()}, after, lr,
                                       {k: self.subject.name(k) for k in keys})
                check.findings += self.order_findings() or \
                    dx.update_findings(step, ref_grads, self.grads, self.dtol, self.n)
        self.check_reported_loss(one, inst if one.ok else None)
        self.check_run(step_ok, lr)

    def order_findings(self) -> list[Finding]:
        """Why a step may pair weights with the wrong gradients: backward returned them in an unusual order."""
        if "out_of_order" not in self.flags:
            return []
        got = [f"d{self.subject.name(k)}" for k in self.order]
        expected = [f"d{self.subject.name(k)}" for k in self.subject.keys]
        return [Finding.of("wrong_order", order=got, expected=expected)]

    def check_run(self, step_ok: bool, lr: float) -> None:
        epochs = self.config.epochs
        run, _, after, torch_after = self.train_both(epochs, lr)
        name = say("check.training_run", epochs=epochs)
        if after is None:
            self.add(name, "trajectory", False, findings=[self.training_failure(run)])
            return
        rel = self.joint_rel_diff(after, torch_after)
        passed = rel <= self.tol.step * epochs
        check = self.add(name, "trajectory", passed, rel=rel, tolerance=self.tol.step * epochs)
        if not passed:
            accumulating = any(f.code == "accumulates" for c in self.checks for f in c.findings)
            if step_ok and accumulating:
                check.findings.append(Finding.of("follows_from_accumulation", epochs=epochs))
            elif step_ok:
                check.findings.append(Finding.of("trajectory_diverges", epochs=epochs))
            else:
                check.findings.append(Finding.of("follows_from_step"))

    def linked(self) -> bool:
        """The declared loss is a cross-entropy (computed from probabilities through a log)."""
        return dx.family(self.spec.loss) != "squared"

    def check_reported_loss(self, one: Outcome, inst: Instance | None) -> None:
        if inst is None or self.output is None or not self.subject.plan["train"]:
            return  # no loss to read where the checker's own SGD trained the class
        found = reported_loss(one)
        if found is None:
            self.add(say("check.reported_loss"), "loss_report", True, counted=False,
                     findings=[Finding.of("no_reported_loss")])
            return
        value, precision, where = found
        Y = self.data["Y"]
        tol = max(self.tol.step, precision / max(abs(value), 1e-300), LOG_EPSILON if self.linked() else 0.0)
        matches = dx.identify_loss(value, self.output, Y, tol, self.spec.output_activation)
        declared = float(loss_of_output(self.spec.loss, self.spec.output_activation, self.output.astype(np.float64),
                                        Y.astype(np.float64)))
        rel = abs(value - declared) / max(abs(declared), abs(value), 1e-300)
        passed = self.spec.loss in matches
        after_update = False
        if not passed:  # some classes report the loss after the update: accept that, say so
            later, _ = self.as_output(self.subject.forward(inst, self.data["X"]))
            if later is not None and self.spec.loss in dx.identify_loss(value, later, Y, tol,
                                                                        self.spec.output_activation):
                passed, after_update, matches = True, True, [self.spec.loss]
        check = self.add(say("check.reported_loss"), "loss_report", passed, rel=None if after_update else rel,
                         tolerance=tol, in_worst=precision == 0)
        if after_update:
            check.findings.append(Finding.of("note", "after_update", where=where))
        elif not passed:
            formulas = [say("phrase.loss_formula", loss=m, formula=dx.formula(m)) for m in matches]
            check.findings.append(Finding.of("reported_loss", None if matches else "none", where=where, value=value,
                                             loss=self.spec.loss, declared=declared, formulas=formulas,
                                             matches=matches))
        self.check_loss_is_differentiated(matches, value, where)

    def check_loss_is_differentiated(self, matches: list[str], value: float, where: str) -> None:
        if not matches or not complete(self.grads):
            return
        name = self.spec.loss if self.spec.loss in matches else matches[0]
        grads_ok = all(c.passed for c in self.checks if c.kind == "gradient")
        label = say("check.loss_differentiated")
        if grads_ok and name == self.spec.loss:
            self.add(label, "loss_consistency", True)
            return
        fd = self.own_loss_fd(name)
        grads64 = self.float64_gradients()
        if fd is None or not complete(grads64):
            return
        dirs, numeric = fd
        worst = max(dx.fd_error(grads64[k], dirs[k], numeric[k]) for k in grads64)
        passed = worst <= self.tol.finite_diff
        text = dx.formula(name)
        if passed:
            self.add(label, "loss_consistency", True, findings=[Finding.of("note", "differentiates", loss=name,
                                                                           formula=text)])
            return
        # The reported loss is the declared one and the gradients are wrong: say more only when the
        # gradients are identified as those of another function (else the gradient checks say it all).
        known = [f for c in self.checks for f in c.findings if f.code == "backprop_output"]
        known += [f for f in self.overview if f.code == "factor" and f.details.get("suggested_loss")]
        if name == self.spec.loss and not known:
            return
        instead = ""
        if known and known[0].code == "backprop_output":
            instead = say("phrase.differentiates_output_alone")
        elif known:
            instead = say("phrase.differentiates_other", loss=known[0].details["suggested_loss"])
        self.add(label, "loss_consistency", False, tolerance=self.tol.finite_diff, findings=[Finding.of(
            "reported_loss_not_differentiated", where=where, reported=name, formula=text, fd_rel=worst,
            instead=instead)])
