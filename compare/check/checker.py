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
:mod:`.session`; every call into the user's code is made by :mod:`.user_calls`, with the
time limit ``CheckConfig.timeout`` per call: an exception, ``sys.exit()`` or a call that
does not return in time is a finding on the check that made it, and the other checks run.
"""

from __future__ import annotations

import dataclasses
import inspect

from compare.check.adapters import Network, make_adapter
from compare.check.findings import Finding
from compare.check.gradient_checks import ForwardAndGradientChecks
from compare.check.loading import LoadedClass, load_target
from compare.check.results import Check, CheckConfig, Report, check_batches
from compare.check.training_checks import TrainingAndLossChecks
from compare.check.user_calls import UserCalls, UserCodeFailed
from handmade.losses import canonical_loss

__all__ = ["Check", "CheckConfig", "Checker", "Report", "run_check"]


class Checker(ForwardAndGradientChecks, TrainingAndLossChecks):
    """All checks of one class in one dtype, in report-card order."""

    def run(self) -> None:
        built = self.adapter.build()
        if not built.ok:
            code = "timeout" if built.timed_out else "exception"
            self.add("construct", "construct", False, findings=[Finding(code, built.error)])
            return
        self.check_forward()
        self.check_gradients()
        self.check_targets()
        self.check_stale_cache()
        self.check_training()


def run_check(target, config: CheckConfig) -> Report:
    """Check ``target`` (``"file.py:Class"``, a ``LoadedClass`` or a class) in every dtype of ``config``."""
    if isinstance(target, str):
        try:
            loaded = load_target(target, config.timeout)
        except UserCodeFailed as exc:
            report = Report(target, config.interface, "-", config, ())
            report.checks.append(Check("load", "construct", "float64", False,
                                       findings=[Finding("timeout" if exc.timed_out else "exception", str(exc))]))
            return report
    elif isinstance(target, type):
        loaded = LoadedClass(cls=target, label=target.__name__, source=_source_of(target))
    else:
        loaded = target
    batch = check_batches()
    sizes = (int(batch["X"].shape[1]), config.hidden, int(batch["Y"].shape[1]))
    loss = canonical_loss(config.loss)
    config = dataclasses.replace(config, loss=loss)
    report = None
    calls = UserCalls(loaded.source, config.timeout)  # shared by the dtypes: a call that hung is not repeated
    for dtype in config.dtypes:
        adapter = make_adapter(config.interface, loaded, Network(sizes, config.activation,
                                                                 config.output_activation, loss, dtype), calls)
        if report is None:
            report = Report(loaded.label, adapter.interface, adapter.construction_text(), config, sizes)
        checker = Checker(adapter, config, dtype)
        checker.run()
        report.checks += checker.checks
        report.overview[dtype] = checker.overview
    return report


def _source_of(cls: type) -> str | None:
    try:
        return inspect.getsourcefile(cls)
    except TypeError:
        return None
