"""The checks of what a class keeps between calls: targets, caches, gradients, the output it returned.

==============================  ======================================================================
check                           passes when
==============================  ======================================================================
uses the targets                changing Y changes the gradients
no stale cache                  ``forward(B); forward(A); backward(A)`` gives ``forward(A); backward(A)``'s
gradients reset between calls   ``forward; backward`` twice on one object gives the same gradients twice
                                (not 2x: gradients accumulated with ``+=`` and never reset)
output left intact (a note)     backward leaves the array its forward returned unchanged
==============================  ======================================================================
"""

from __future__ import annotations

import numpy as np

from compare.check import diagnoses as dx
from compare.check.findings import Finding
from compare.check.session import CheckSession, complete
from compare.check.texts import say
from compare.measure.differences import rel_diff
from compare.sandbox.calls import Outcome


class StateChecks(CheckSession):
    """See the module docstring."""

    def gradients_after(self, batches: list[np.ndarray], Y: np.ndarray) -> tuple[dict | None, Outcome | None]:
        """A fresh object's gradients after ``forward`` on each of ``batches`` in turn and ``backward`` on the last.

        Returns the gradients (torch layout; None unless every one is usable) and the last
        forward's outcome. Used for the checks that call the network in an unusual order or
        with other targets.
        """
        inst = self.fresh()
        for X in batches:
            fwd = self.subject.forward(inst, X)
            if not fwd.ok:
                return None, None
        grads, _ = self.user_gradients(inst, batches[-1], Y, fwd.value)
        return (grads if complete(grads) else None), fwd

    def check_targets(self) -> None:
        if not complete(self.grads):
            return
        other, _ = self.gradients_after([self.data["X"]], self.data["Y_other"])
        if other is None:
            return
        change = self.joint_rel_diff(other, self.grads)
        passed = change > self.tol.step
        check = self.add(say("check.uses_targets"), "targets", passed)
        if not passed:
            check.findings.append(Finding.of("ignores_targets"))

    def check_stale_cache(self) -> None:
        if not complete(self.grads):
            return
        grads, fwd = self.gradients_after([self.data["XB"], self.data["X"]], self.data["Y"])
        if grads is None:
            return
        differ = [self.subject.name(k) for k in self.grads if rel_diff(grads[k], self.grads[k]) > self.tol.step]
        check = self.add(say("check.no_stale_cache"), "cache", not differ)
        if differ:
            same_out = np.array_equal(np.asarray(fwd.value, dtype=np.float64), self.output) \
                if self.output is not None else False
            check.findings.append(Finding.of("stale_cache", None if same_out else "output_changed", params=differ))

    def check_repeated(self) -> None:
        plan = self.subject.plan["gradients"]
        if not complete(self.grads) or plan is None or plan["source"] == "update":
            return  # an update read back is restored after each read: there is nothing to accumulate
        inst, X, Y = self.fresh(), self.data["X"], self.data["Y"]
        reads = []
        for _ in range(2):
            fwd = self.subject.forward(inst, X) if inst is not None else None
            grads = self.user_gradients(inst, X, Y, fwd.value)[0] if fwd is not None and fwd.ok else None
            if not complete(grads):
                return
            reads.append(grads)
        first, second = reads
        differ = [self.subject.name(k) for k in self.subject.keys if rel_diff(second[k], first[k]) > self.tol.step]
        check = self.add(say("check.gradients_reset"), "state", not differ)
        if not differ:
            return
        c, residual = dx.fit_factor(dx.joint([second[k] for k in self.subject.keys]),
                                    dx.joint([first[k] for k in self.subject.keys]))
        if residual <= self.dtol and dx.close(c, 2.0, self.dtol):
            check.findings.append(Finding.of("accumulates", params=differ))
        else:
            check.findings.append(Finding.of("state_between_calls", params=differ))

    def check_output_kept(self) -> None:
        if "overwrote_output" not in self.flags:
            return
        self.add(say("check.output_intact"), "state", False, counted=False, findings=[Finding.of("overwrote_output")])
