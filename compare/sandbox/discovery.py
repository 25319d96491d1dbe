"""Discovery: build someone's network class and find out how it works, trying what courses write.

In order, each step verified on the object before the next one is tried:

1. **build** it with the checker's sizes (``construct``: by the names of the constructor's
   parameters, then by position);
2. **find the parameters** by shape (``params``): a weight per layer in either orientation,
   biases or none;
3. **find the forward pass**: a method that, given the inputs as rows, columns or one sample at a
   time, returns an output of the right shape that changes when any weight changes (so the
   parameters found are the ones it uses);
4. **find the gradients** (``probes``): returned by a backward-like method, set as attributes by it,
   or read back from the update it makes;
5. **find the training method**, if any (else the checker runs SGD with the gradients).

What cannot be found is :class:`NotUnderstood`: the report says what is missing and which flag or
glue function fixes it. An exception raised inside the user's own constructor is a bug of the
class (:class:`ConstructorFailed`).
"""

from __future__ import annotations

import functools

import numpy as np

from compare.sandbox import construct, params
from compare.sandbox.calling import LAYOUTS, as_rows, public_methods, required, run_forward, shape_inputs
from compare.sandbox.calls import Outcome, UserCalls
from compare.sandbox.construct import Call, Request
from compare.sandbox.gradients import output_gradient
from compare.sandbox.plan import MethodPlan, Plan
from compare.sandbox.probes import find_gradients, find_training
from compare.sandbox.roles import FORWARD_METHODS, TRAIN_METHODS
from compare.sandbox.texts import say

CONSTRUCTOR = "__init__"   # the group of every constructor call: one that ends the process is not tried again
ADAPTER_FIX = say("fix.adapter")
GRADIENTS_FIX = say("fix.gradients", adapter=ADAPTER_FIX)


class NotUnderstood(Exception):
    """The tool could not drive the class: ``reason`` says what it could not find, ``fix`` what would help."""

    def __init__(self, reason: str, fix: str):
        super().__init__(reason)
        self.reason, self.fix = reason, fix


class ConstructorFailed(Exception):
    """The class's own constructor raised (or hung) with arguments it accepts: a finding about the class."""

    def __init__(self, outcome: Outcome, construction: str):
        super().__init__(outcome.error)
        self.outcome, self.construction = outcome, construction


class Discovery:
    """Find the :class:`Plan` of ``cls`` (see the module docstring).

    ``data``: the checker's batch (``X``, ``Y`` one-hot, ``labels``) in the dtype being checked;
    ``probe_params``: torch-layout parameters per sizes, ``probe_params(sizes, bias) -> dict``.
    """

    def __init__(self, cls: type, request: Request, calls: UserCalls, data: dict, probe_params,
                 loss: tuple[str, str]):
        self.cls, self.request, self.calls, self.data = cls, request, calls, data
        self.probe_params = probe_params
        self.loss, self.output_activation = loss   # the declared loss and output activation
        self.loss_grad = output_gradient(*loss)
        self.name = getattr(cls, "__name__", "the class")
        self.why = ""
        self.gradients_missing = ""

    # -- 1 and 2: build, find the parameters ---------------------------------------------------------
    def build(self, call: Call) -> Outcome:
        return self.calls.call(call.text(self.name), functools.partial(self.cls, *call.args, **call.kwargs),
                               group=CONSTRUCTOR)

    def run(self) -> Plan:
        unknown, parameters = construct.unknown_init_args(self.cls, self.request)
        if unknown:   # a mistyped --init-args name is said, never silently dropped
            raise NotUnderstood(say("discovery.unknown_init_args", name=self.name, unknown=unknown,
                                    parameters=parameters), say("fix.init_args", parameters=parameters))
        failures, crashed = [], None
        for call in construct.constructor_calls(self.cls, self.request):
            built = self.build(call)
            if not built.ok:
                failures.append(say("discovery.failure", call=call.text(self.name), why=built.error))
                if crashed is None and not _argument_error(built.error, guessed=bool(call.args)):
                    crashed = (built, call.text(self.name))
                continue
            plan = self.understand(call, built.value)
            if plan is not None:
                return plan
            failures.append(say("discovery.failure", call=call.text(self.name), why=self.why))
        if crashed is not None:
            raise ConstructorFailed(*crashed)
        reason = say("discovery.failures", failures=failures) if failures else \
            say("discovery.no_constructor", name=self.name)
        raise NotUnderstood(reason, say("fix.constructor", adapter=ADAPTER_FIX))

    def understand(self, call: Call, obj) -> Plan | None:
        sizes = call.sizes or self.sizes_inside(obj)
        arrays = self.calls.call("reading its attributes", params.arrays_in, obj)
        if sizes is None or not arrays.ok:
            self.why = say("discovery.no_sizes")
            return None
        matched = params.match_chain(arrays.value, sizes)
        if matched is None:
            found = [say("discovery.array", path=params.path_text(p[0]), shape=a.shape) for a, p in arrays.value[:8]]
            self.why = say("discovery.no_chain" if found else "discovery.no_chain_no_arrays",
                           sizes="-".join(map(str, sizes)), found=found)
            return None
        plan = self.find_forward(call, obj, sizes, arrays.value) or self.conventional_forward(call, obj, sizes,
                                                                                               arrays.value)
        if plan is None:
            return None
        plan.gradients = find_gradients(self, plan)
        plan.train = find_training(self, plan)
        if plan.gradients is None:
            if plan.train is None:
                self.why = self.gradients_missing
                return None
            plan.missing = {"reason": self.gradients_missing, "fix": GRADIENTS_FIX}
        return plan

    def sizes_inside(self, obj) -> tuple[int, ...] | None:
        """For a class that fixes its own sizes: the chain its 2-D weights make, if the data fits it."""
        found = self.calls.call("reading its attributes", params.arrays_in, obj)
        if not found.ok:
            return None
        n_in, n_out = self.request.n_in, self.request.n_out
        for arr, _ in found.value:
            if arr.ndim == 2 and n_in in arr.shape:
                width = arr.shape[1] if arr.shape[0] == n_in else arr.shape[0]
                for other, _ in found.value:
                    if other.ndim == 2 and set(other.shape) == {width, n_out} and other is not arr:
                        return n_in, width, n_out
        return None

    # -- 3: the forward pass -----------------------------------------------------------------------------
    def instance(self, plan_or_call, layouts, sizes) -> object | None:
        """A freshly built object holding the probe parameters (None if building failed)."""
        call = plan_or_call.call if isinstance(plan_or_call, Plan) else plan_or_call
        built = self.build(call)
        if not built.ok:
            return None
        bias = any(p.key.endswith("bias") for p in layouts)
        wrote = self.calls.call("setting its weights", params.set_params, built.value, layouts,
                                self.probe_params(sizes, bias), self.data["X"].dtype)
        return built.value if wrote.ok else None

    def forward_rows(self, obj, method: str, layout: str, X) -> np.ndarray | None:
        out = self.calls.call(f"{method}(X)", run_forward, getattr(obj, method, None), shape_inputs(X, layout),
                              say("call.no_such_method"), group=method)
        if not out.ok:
            return None
        rows = as_rows(out.value, layout, len(X), self.request.n_out)
        return rows if rows is not None and np.all(np.isfinite(rows)) else None

    def find_forward(self, call: Call, obj, sizes, arrays) -> Plan | None:
        counts = params.candidate_counts(arrays, sizes)
        candidates = [m for m in public_methods(obj) if m not in TRAIN_METHODS or m in FORWARD_METHODS]
        for method in candidates:
            if len(required(getattr(obj, method))) != 1:
                continue
            for layout in LAYOUTS:
                plan = self.verified_forward(call, obj, sizes, arrays, counts, MethodPlan(method, layout))
                if plan is not None:
                    return plan
        self.why = say("discovery.no_forward")
        return None

    def conventional_forward(self, call: Call, obj, sizes, arrays) -> Plan | None:
        """No forward verified (it raised, hung, or returned NaN when tried): a method named as courses name
        their forward pass is still taken, with the best-ranked parameters - the checks then say how it fails."""
        method = next((m for m in FORWARD_METHODS if m not in ("loss", "predict")
                       and callable(getattr(obj, m, None)) and len(required(getattr(obj, m))) == 1), None)
        matched = params.match_chain(arrays, sizes)
        if method is None or matched is None:
            return None
        layouts, bias = matched
        plan = Plan(self.name, call, tuple(sizes), bias, layouts, MethodPlan(method, "rows"))
        plan.notes.append(say("note.forward_unverified", method=method))
        return plan

    def verified_forward(self, call, obj, sizes, arrays, counts, forward: MethodPlan) -> Plan | None:
        """A plan whose forward depends on every chosen weight, trying the next candidate where it does not."""
        choice: dict[str, int] = {}
        for _ in range(sum(counts.values()) + 1):
            matched = params.match_chain(arrays, sizes, choice)
            if matched is None:
                return None
            layouts, bias = matched
            ignored = self.ignored_weight(call, layouts, sizes, forward)
            if ignored is None:
                return Plan(self.name, call, tuple(sizes), bias, layouts, forward)
            if ignored == "":
                return None
            choice[ignored] = choice.get(ignored, 0) + 1
        return None

    def ignored_weight(self, call, layouts, sizes, forward: MethodPlan) -> str | None:
        """The key of a weight the forward ignores; None if it uses them all; "" if it gives no output at all."""
        X = self.data["X"]
        obj = self.instance(call, layouts, sizes)
        base = None if obj is None else self.forward_rows(obj, forward.name, forward.layout, X)
        if base is None:
            return ""
        for layout in (p for p in layouts if p.key.endswith("weight")):
            probe = self.probe_params(sizes, any(p.key.endswith("bias") for p in layouts))
            probe[layout.key] = probe[layout.key] * 1.5 + 0.1
            moved = self.calls.call("setting its weights", params.set_params, obj, layouts, probe, X.dtype)
            again = self.forward_rows(obj, forward.name, forward.layout, X) if moved.ok else None
            if again is None or np.array_equal(again, base):
                return layout.key
        return None


def _argument_error(error: str, guessed: bool = False) -> bool:
    """A constructor call refused for its arguments (our guess was wrong), not a crash inside the class.

    ``guessed``: the arguments were placed by position, not by their names; then any TypeError ("'int'
    object is not iterable" from sizes passed one by one to a class that wanted a list) is the guess's.
    """
    if not error.startswith("TypeError"):
        return False
    return guessed or "argument" in error or "positional" in error or "keyword" in error
