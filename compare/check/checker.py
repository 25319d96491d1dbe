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

Every failure carries the diagnoses of :mod:`compare.check.diagnosis`. The checks live
in :mod:`.gradient_checks` (forward, gradients, targets, stale cache) and
:mod:`.training_checks` (one step, the run, the reported loss), over the shared state of
:mod:`.session`. The user's code runs in a child process (:mod:`compare.sandbox`, driven
through :mod:`.link` and :mod:`.subject`), with the time limit ``CheckConfig.timeout`` per
call: an exception, ``sys.exit()``, a call that does not return in time or a child that dies
is a finding on the check that made it, and the other checks run.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from compare.check.findings import Finding
from compare.check.gradient_checks import ForwardAndGradientChecks
from compare.check.link import ChildLink
from compare.check.results import Check, CheckConfig, Report, check_batches
from compare.check.state_checks import StateChecks
from compare.check.subject import Subject
from compare.check.texts import say
from compare.check.training_checks import TrainingAndLossChecks
from compare.sandbox.construct import Request
from handmade.contract.errors import InvalidInput
from handmade.losses import canonical_loss

# Discovery is retried without a method that ended the child process, this many times at most
# (a constructor, a forward, a backward and a training method: each can end it once).
MAX_AVOIDED = 4

__all__ = ["Check", "CheckConfig", "Checker", "Report", "check_with", "run_check"]


def stopped(outcome) -> Finding:
    """The finding of a call that never got to a comparison: it ran out of time, or it raised or died."""
    return Finding.of("timeout" if outcome.timed_out else "exception", error=outcome.error)


class Checker(ForwardAndGradientChecks, StateChecks, TrainingAndLossChecks):
    """All checks of one class in one dtype, in report-card order."""

    def run(self) -> None:
        built = self.subject.build()
        if not built.ok:
            self.add(say("check.construct"), "construct", False, findings=[stopped(built)])
            return
        self.check_forward()
        self.check_gradients()
        self.check_targets()
        self.check_stale_cache()
        self.check_repeated()
        self.check_output_kept()
        self.check_training()


def run_check(target: str, config: CheckConfig, deadline: float | None = None) -> Report:
    """Check ``target`` (``"file.py:Class"``, ``"file.py"``, ``"notebook.ipynb:Class"``, ``"module:Class"``)
    in every dtype of ``config``; the user's code runs in a child process (``compare.check.link``).
    ``deadline`` (``time.monotonic()``): no call into the user's code starts after it (a gradebook's cap)."""
    with ChildLink(config.timeout, config.memory, deadline) as link:
        report = check_with(link, target, config)
        report.restarts = link.restarts
        return report


def check_with(link, target: str, config: CheckConfig) -> Report:
    """The whole check over ``link`` (a child process, or a caller serving its own class)."""
    config = dataclasses.replace(config, loss=canonical_loss(config.loss))
    report = Report(target, config)
    loaded = link.request({"op": "load", "target": target, "class_name": config.class_name,
                           "adapter": config.adapter}, say("what.loading", target=target), setup=True)
    if loaded.usage:
        raise InvalidInput(loaded.error)
    if not loaded.ok:
        report.checks.append(Check(say("check.load"), "construct", "float64", False, findings=[stopped(loaded)]))
        return report
    report.target = loaded.value["label"]
    report.notes += loaded.value["notes"]
    plan = discover(link, config, report)
    if plan is None:
        return report
    hung: dict = {}   # calls that ended the child, remembered across the dtypes (see compare.check.subject)
    for dtype in config.dtypes:
        checker = Checker(Subject(link, plan, dtype, config.loss, config.output_activation, hung), config, dtype)
        checker.run()
        report.not_checked = report.not_checked or checker.not_checked
        report.checks += checker.checks
        report.overview[dtype] = checker.overview
    return report


def discover(link, config: CheckConfig, report: Report) -> dict | None:
    """Ask how the class works; the plan, or None with the report saying why (not checked, or a finding)."""
    batch = check_batches()
    request = Request(n_in=batch["X"].shape[1], n_out=batch["Y"].shape[1], hidden=config.hidden,
                      hidden_given=config.hidden_given, lr=config.lr, epochs=config.epochs, batch=len(batch["X"]),
                      seed=config.seed, init_args=dict(config.init_args))
    data = {"X": batch["X"], "Y": batch["Y"], "labels": np.argmax(batch["Y"], axis=1)}
    # The declared network: what a layer-list design is assembled as, and the loss a backward(dout) is given.
    network = {"activation": config.activation, "output_activation": config.output_activation, "loss": config.loss}
    avoid: dict[str, tuple] = {}   # method -> (how calling it ended the process, whether it hung): not called again
    while True:
        found = link.request({"op": "discover", "request": dataclasses.asdict(request), "data": data,
                              **network, "avoid": avoid}, say("what.understanding"))
        if not (found.died and link.calling and link.calling[1] not in avoid and len(avoid) < MAX_AVOIDED):
            break
        avoid[link.calling[1]] = (found.error, found.timed_out)
    if not found.ok:
        report.checks.append(Check(say("check.construct"), "construct", "float64", False, findings=[stopped(found)]))
        return None
    if "not_understood" in found.value:
        report.not_checked = found.value["not_understood"]
        return None
    if "constructor_failed" in found.value:
        failed = found.value["constructor_failed"]
        report.checks.append(Check(say("check.construct"), "construct", "float64", False, findings=[
            Finding.of("timeout", error=failed["error"]) if failed["timed_out"] else
            Finding.of("exception", "raised", what=failed["construction"], error=failed["error"])]))
        return None
    plan = found.value["plan"]
    link.request({"op": "adopt", "plan": plan, "request": dataclasses.asdict(request), **network, "avoid": avoid},
                 say("what.setting_up"), setup=True)
    report.plan = plan
    report.not_checked = plan.get("missing")  # no gradients to compare: the rest is checked, the verdict says so
    return plan
