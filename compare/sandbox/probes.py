"""Discovery's last steps: which method gives the gradients, and which one trains.

Each candidate is tried on a freshly built object holding known weights, inside a time-limited
call; the first that works is kept. For gradients: backward-like methods by name, then every
other public method, each with the targets as one-hot rows and, for a classifier, as integer
labels, and its gradients read from what it returns, the attributes it sets, or the update it
makes (``compare.sandbox.gradients``). For training: train-like methods, told the epochs
by an argument, by the constructor, or by being called once per epoch.
"""

from __future__ import annotations

import numpy as np

from compare.sandbox import params, roles
from compare.sandbox.calling import LAYOUTS, argument_roles, bind, public_methods, shape_inputs
from compare.sandbox.gradients import PROBE_LR, Batch, read_gradients, targets_for
from compare.sandbox.plan import MethodPlan, Plan
from compare.sandbox.roles import GRADIENT_METHODS, TRAIN_METHODS
from compare.sandbox.texts import say

SOURCES = ("returned", "attributes", "update")
CLASSIFIER_LOSSES = ("ce", "ce_sum")


def _roles(method) -> set[str]:
    return {role for _, role, _ in argument_roles(method)}


def gradient_candidates(obj, plan: Plan) -> list[str]:
    """The methods to try for gradients, likeliest first: the usual names, then any other public method, then
    the training methods (their update read back). The forward itself counts when it also takes the targets
    (CS231n's ``loss(X, y=None)``: scores without y, (loss, grads) with it)."""
    forward = getattr(obj, plan.forward.name, None)
    takes_y = forward is not None and "y" in _roles(forward)
    names = public_methods(obj, exclude=() if takes_y else (plan.forward.name,))
    ordered = [n for n in GRADIENT_METHODS if n in names] + [n for n in names if n not in GRADIENT_METHODS]
    first = [n for n in ordered if n not in TRAIN_METHODS or n in GRADIENT_METHODS]
    return first + [n for n in ordered if n not in first]


def _lr_of(plan: Plan, obj, method) -> tuple[float, bool]:
    """The learning rate an update made by ``method`` used, and whether the tool knows it: passed to it,
    set at construction, or kept as an attribute (``self.lr = 0.5``); else 1 - an update with no rate
    anywhere in the class is ``w -= g`` - which the report states as a guess."""
    if "lr" in _roles(method):
        return PROBE_LR, True
    if plan.call.lr_name is not None:
        return float(plan.call.kwargs[plan.call.lr_name]), True
    kept = [v for name, v in vars(obj).items() if roles.LEARNING_RATE.match(name.lower())
            and isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0] if hasattr(obj, "__dict__") else []
    if len(kept) == 1:
        return float(kept[0]), True
    return 1.0, False


def gradient_layouts(plan: Plan) -> list[str]:
    """How to hand the data to a gradient method: as to the forward, then one sample at a time (Nielsen's
    ``backprop(x, y)`` beside a ``feedforward(a)`` that takes a whole batch of columns)."""
    alone = {"columns": "sample_column", "rows": "sample_flat"}.get(plan.forward.layout)
    return [plan.forward.layout] + ([alone] if alone else [])


def try_gradients(disc, plan: Plan, method: str, labels: bool) -> tuple[MethodPlan | None, str]:
    """(the plan if ``method`` gives finite gradients, else None; what its first call showed: "raised",
    "none" (returned None), "wrong_return", "nan", "hung" or "absent")."""
    obj = disc.instance(plan, plan.layouts, plan.sizes)
    if obj is None or not callable(getattr(obj, method, None)):
        return None, "absent"
    evidence = ""
    lr, lr_known = _lr_of(plan, obj, getattr(obj, method))
    # Weights that move are a gradient step only if the method saw the data (a re-initialiser moves them too).
    sources = SOURCES if _roles(getattr(obj, method)) & {"x", "y"} else SOURCES[:-1]
    for layout in gradient_layouts(plan):
        y = targets_for(disc.data, layout, labels)
        for source in sources:
            fresh = disc.instance(plan, plan.layouts, plan.sizes) if source != "returned" else obj
            if fresh is None:
                return None, evidence or "absent"
            read = disc.calls.call(f"{method}(...)", read_gradients, plan, fresh, method, source,
                                   Batch(disc.data["X"], y, disc.loss_grad), lr, layout, group=method)
            if method in disc.calls.hung:
                return None, "hung"
            if read.ok and read.value.grads is not None and _finite(read.value.grads):
                return MethodPlan(method, layout, source, lr if source == "update" else None,
                                  lr_known or source != "update", labels, how=read.value.how), ""
            if not evidence:
                evidence = ("raised" if not read.ok else "nan" if read.value.grads is not None else
                            {"none": "none", "other": "wrong_return"}.get(read.value.returned, "wrong_return"))
    return None, evidence


def _finite(grads: dict) -> bool:
    return all(isinstance(g, np.ndarray) and g.dtype.kind in "fc" and np.all(np.isfinite(g)) for g in grads.values())


def find_gradients(disc, plan: Plan) -> MethodPlan | None:
    """The method that gives gradients. None of them working, a method named as courses name their backward
    pass (and taking arguments the checker can give) is still taken: the gradient check then reports how it
    fails (an exception, NaN, a wrong return) - a finding about the class, not "not understood"."""
    obj = disc.instance(plan, plan.layouts, plan.sizes)
    candidates = gradient_candidates(obj or object(), plan)
    classifier = disc.loss in CLASSIFIER_LOSSES
    tries = candidates if plan.forward.name not in disc.calls.hung else []  # every try would run the hung forward
    evidence = {}
    for method in tries:
        for labels in (False, True):
            # Integer labels: tried for a classifier's loss, else only where one-hot rows made the method raise
            # (``probs[range(n), y] -= 1`` with a forgotten --loss ce).
            if labels and not classifier and evidence.get(method) != "raised":
                continue
            found, evidence[method] = try_gradients(disc, plan, method, labels)
            if found is not None:
                if labels and not classifier:
                    plan.notes.append(say("note.integer_labels", method=method))
                return found
    for method in candidates:
        failed = evidence.get(method, "raised") in ("raised", "wrong_return", "nan", "hung")
        if method in GRADIENT_METHODS and method != "loss" and failed and obj is not None \
                and _bindable(obj, method):
            return MethodPlan(method, plan.forward.layout, how=say("how.failed"))
    returned_none = [m for m, e in evidence.items() if e == "none"]
    disc.gradients_missing = say("discovery.returned_none", methods=returned_none) if returned_none else \
        say("discovery.no_gradients")
    return None


def _bindable(obj, method: str) -> bool:
    values = {"x": 0, "y": 0, "output": 0, "lr": PROBE_LR, "reg": 0.0, "cache": 0, "grad_out": 0}
    return bind(getattr(obj, method), values) is not None


# -- training -------------------------------------------------------------------------------------------
def train_values(data: dict, method_plan: MethodPlan, epochs: int, lr: float) -> dict:
    """The arguments of a training call by role (``data``: X, Y one-hot, labels)."""
    X = data["X"]
    y = targets_for(data, method_plan.layout, method_plan.labels)
    return {"x": shape_inputs(X, method_plan.layout), "y": y, "epochs": epochs, "lr": lr, "batch": len(X),
            "reg": 0.0}


def run_training(obj, method_plan: MethodPlan, values: dict, epochs: int):
    """Call the training method for ``epochs`` epochs (see MethodPlan.epochs); returns what the last call returned."""
    method = getattr(obj, method_plan.name)
    calls = 1 if method_plan.epochs in ("argument", "constructor") else epochs
    returned = None
    for _ in range(calls):
        if method_plan.per_sample and method_plan.epochs == "calls":
            for x, y in zip(values["x"], values["y"]):
                args, kwargs = bind(method, {**values, "x": x, "y": y})
                returned = method(*args, **kwargs)
        else:
            args, kwargs = bind(method, {**values, "x": values["x"]})
            returned = method(*args, **kwargs)
    return returned


def try_training(disc, plan: Plan, method: str, layout: str, labels: bool) -> MethodPlan | None:
    obj = disc.instance(plan, plan.layouts, plan.sizes)
    if obj is None or not callable(getattr(obj, method, None)):
        return None
    roles_ = _roles(getattr(obj, method))
    if not {"x", "y"} <= roles_:
        return None
    lr_known = "lr" in roles_ or plan.call.lr_name is not None
    candidate = MethodPlan(method, layout, labels=labels, epochs=_epochs_given(roles_, plan), lr_known=lr_known)
    values = train_values(disc.data, candidate, 1, disc.request.lr)
    if bind(getattr(obj, method), values) is None:
        return None
    before = params.get_params(obj, plan.layouts)
    ran = disc.calls.call(f"{method}(...)", run_training, obj, candidate, values, 1, group=method)
    after = disc.calls.call("reading its weights", params.get_params, obj, plan.layouts) if ran.ok else ran
    changed = after.ok and any(not np.array_equal(before[k], np.asarray(after.value[k])) for k in before)
    # A method named as courses name their training loop is taken even when it fails here: the training
    # checks then report how. Any other method counts only if it does train (the weights change).
    if not changed and (method not in TRAIN_METHODS or layout != "rows"):
        return None
    candidate.how = _train_words(candidate, roles_)
    return candidate


def _epochs_given(roles_: set[str], plan: Plan) -> str:
    """How a training method is told its epochs: as an "argument", at "constructor" time, or by "calls"."""
    return "argument" if "epochs" in roles_ else ("constructor" if plan.call.epochs_name else "calls")


def _train_words(plan: MethodPlan, roles_: set[str]) -> str:
    epochs = "how.epochs_" + ("calls_per_sample" if plan.epochs == "calls" and plan.per_sample else plan.epochs)
    rate = "how.rate_argument" if "lr" in roles_ else ("how.rate_constructor" if plan.lr_known else "how.rate_own")
    return say("how.training", epochs=say(epochs), rate=say(rate))


def find_training(disc, plan: Plan) -> MethodPlan | None:
    obj = disc.instance(plan, plan.layouts, plan.sizes)
    if obj is None:
        return None
    names = public_methods(obj, exclude=(plan.forward.name,))
    ordered = [n for n in TRAIN_METHODS if n in names] + [n for n in names if n not in TRAIN_METHODS]
    labels = plan.gradients.labels if plan.gradients else False
    layouts = dict.fromkeys([plan.forward.layout, *LAYOUTS])
    for method in ordered:
        if plan.gradients is not None and method == plan.gradients.name and method not in TRAIN_METHODS:
            continue
        for layout in layouts:
            found = None if method in disc.calls.hung else try_training(disc, plan, method, layout, labels)
            if found is not None:
                return found
    hung = [m for m in ordered if m in TRAIN_METHODS and m in disc.calls.hung]
    if hung:  # a training method that never returned (or ended the process) is still the training method
        how = say("how.ended_process") if disc.calls.hung[hung[0]].died else say("how.hung")
        return MethodPlan(hung[0], "rows", labels=labels, epochs=_epochs_given(_roles(getattr(obj, hung[0])), plan),
                          how=how)
    return None
