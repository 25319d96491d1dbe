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
        check = self.add("uses the targets", "targets", passed)
        if not passed:
            check.findings.append(Finding("ignores_targets", "changing the targets Y leaves every gradient unchanged: "
                                          "backward does not use Y (it back-propagates the output instead of output "
                                          "minus target, so training drives every output towards 0)"))

    def check_stale_cache(self) -> None:
        if not complete(self.grads):
            return
        grads, fwd = self.gradients_after([self.data["XB"], self.data["X"]], self.data["Y"])
        if grads is None:
            return
        differ = [self.subject.name(k) for k in self.grads if rel_diff(grads[k], self.grads[k]) > self.tol.step]
        check = self.add("no stale cache", "cache", not differ)
        if differ:
            same_out = np.array_equal(np.asarray(fwd.value, dtype=np.float64), self.output) \
                if self.output is not None else False
            what = "" if same_out else " (the forward output itself changed too)"
            check.findings.append(Finding("stale_cache", f"after forward(B), forward(A), backward(A) the gradients of "
                                          f"{', '.join(differ)} differ from those after forward(A), backward(A): "
                                          f"backward reads values cached by an earlier forward call{what}",
                                          {"params": differ}))

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
        check = self.add("gradients reset between calls", "state", not differ)
        if not differ:
            return
        c, residual = dx.fit_factor(dx.joint([second[k] for k in self.subject.keys]),
                                    dx.joint([first[k] for k in self.subject.keys]))
        if residual <= self.dtol and dx.close(c, 2.0, self.dtol):
            check.findings.append(Finding("accumulates", "forward and backward called twice on one object give "
                                          "twice the gradients the second time: they accumulate across calls (a "
                                          "`+=` into gradients that are never reset); reset them at the start of "
                                          "backward, or zero them before each step", {"params": differ}))
        else:
            check.findings.append(Finding("state_between_calls", f"forward and backward called twice on one object "
                                          f"give other gradients of {', '.join(differ)} the second time: backward "
                                          "keeps state from one call to the next", {"params": differ}))

    def check_output_kept(self) -> None:
        if "overwrote_output" not in getattr(self, "flags", set()):
            return
        self.add("output left intact", "state", False, counted=False, findings=[Finding(
            "overwrote_output", "backward changed the output array its forward returned (an in-place `-=` or `*=` "
                                "on it?): anything that reads the output afterwards - the loss you print, a second "
                                "backward - sees the changed values; compute the delta into a new array")])
