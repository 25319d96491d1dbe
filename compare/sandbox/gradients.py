"""Getting gradients out of someone's class, whatever it offers: a return value, attributes, or an update.

``read_gradients`` runs a forward and the gradient method once (or once per sample) on an object
that holds known weights, and reads the gradients in the place the plan says:

* **returned** - a tuple, list or dict of arrays (``values.map_gradients``);
* **attributes** - arrays the call set or changed (``self.dW1``, ``layer.dW``, ``layer.grad['W']``),
  paired with the parameter they belong to by name and place (``dW1`` next to ``W1``);
* **update** - the weights the call changed: g = (w_before - w_after) / lr, with the learning
  rate passed to it or set at construction (the weights are restored afterwards).

It also notices what a check should report: a call that updates the weights besides returning
gradients, gradients that keep growing across calls (accumulated, never reset), and a backward
that overwrites the output array its forward returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.sandbox import params, roles
from compare.sandbox.calling import PER_SAMPLE, argument_roles, bind, output_array, shape_inputs
from compare.sandbox.compose import evaluate_loss, loss_objects
from compare.sandbox.layout import ParamLayout
from compare.sandbox.texts import say
from compare.sandbox.values import map_gradients, plain
from handmade.losses import grad_of_output

PROBE_LR = 1.0   # passed where a method wants a learning rate: the update is then minus the gradient
_GRAD_CONTAINERS = {"grad", "grads", "gradient", "gradients", "g", "d"}


@dataclass
class GradientRead:
    """One read of the gradients: per parameter key the raw array (the user's layout; per sample, stacked)."""

    grads: dict[str, np.ndarray] | None
    error: str = ""
    how: str = ""
    updated: bool = False            # the call also changed the weights (restored since)
    overwrote_output: bool = False   # the call changed the output array the forward had returned
    returned: str = "arrays"         # what the call returned: "arrays", "none" (None) or "other"


@dataclass(frozen=True)
class Batch:
    """What the gradients are read on: inputs X (N, n_in), targets ``y`` in the user's layout, and the
    loss's gradient with respect to the output (for a backward that takes it), or None."""

    X: np.ndarray
    y: object
    loss_grad: object = None


def output_gradient(loss: str, output_activation: str):
    """``grad(out, y)``: dL/d(output) of the declared loss for a method that takes the output's gradient
    (``backward(dout)``) - of the probabilities, when the forward returns them (``handmade.losses``)."""
    def grad(out, y):
        out = np.asarray(out)
        return grad_of_output(loss, output_activation, out, np.asarray(y, dtype=out.dtype).reshape(out.shape))
    return grad


def targets_for(data: dict, layout: str, labels: bool):
    """The targets in the data layout: one-hot rows/columns or integer labels; one per sample alike."""
    if labels:
        y = data["labels"]
        return list(y) if layout in PER_SAMPLE else y
    return shape_inputs(data["Y"], layout)


def _normalised(path) -> tuple:
    """A gradient's place as its parameter's place: grad containers dropped, ``dW`` read as ``W``."""
    steps = [s for s in path if str(s[1]).lower() not in _GRAD_CONTAINERS]
    if not steps:
        return ()
    kind, last = steps[-1]
    target = roles.gradient_of(str(last))
    return (*steps[:-1], (kind if kind != "item" else "attr", target if target is not None else last))


def _same_place(grad_path, param_path) -> bool:
    param = tuple((k if k != "item" else "attr", s) for k, s in param_path)
    return _normalised(grad_path) == param


def _changed(before: dict[int, np.ndarray], after, layouts: list[ParamLayout]) -> list:
    """(array, paths) of the arrays a call set or changed, the parameters themselves left out."""
    param_paths = {tuple(q) for layout in layouts for q in layout.paths}
    changed = []
    for arr, paths in after:
        if any(tuple(p) in param_paths for p in paths):
            continue
        old = before.get(id(arr))
        if old is None or old.shape != arr.shape or not np.array_equal(old, arr):
            changed.append((arr, paths))
    return changed


def from_attributes(before: dict[int, np.ndarray], after, layouts: list[ParamLayout]) -> dict | None:
    """Gradients among the arrays a call set or changed, by place (``dW1`` beside ``W1``) or else by shape."""
    changed = _changed(before, after, layouts)
    found = {}
    for layout in layouts:
        by_place = next((a for a, paths in changed if any(_same_place(p, q) for p in paths for q in layout.paths)),
                        None)
        if by_place is not None:
            found[layout.key] = np.array(by_place, copy=True)
    for layout in layouts:
        by_shape = next((a for a, _ in changed if a.shape == tuple(layout.shape)), None)
        if layout.key not in found and by_shape is not None:
            found[layout.key] = np.array(by_shape, copy=True)
    return found if len(found) == len(layouts) else None


def snapshot(obj) -> dict[int, np.ndarray]:
    """A copy of every array the object holds, by the array's id."""
    return {id(a): np.array(a, copy=True) for a, _ in params.arrays_in(obj)}


def call_once(ctx, obj, method: str, x, y, loss_grad) -> tuple[object, bool]:
    """forward, then the gradient method with arguments by role: (what it returned, whether it changed the
    output array the forward had returned)."""
    forward = getattr(obj, ctx.forward.name)
    out = forward(x)   # handed back to the gradient method exactly as returned (a tensor stays a tensor)
    out_array = output_array(plain(out), ctx.sizes[-1])  # a forward may return (output, cache): the output
    kept = None if out_array is None else out_array.copy()
    # A training method read as a gradient source gets one epoch, the batch at once.
    values = {"x": x, "y": y, "lr": PROBE_LR, "reg": 0.0, "cache": out, "output": out, "epochs": 1,
              "batch": len(x)}
    wanted = {role for _, role, _ in argument_roles(getattr(obj, method))}
    if loss_grad is not None and out_array is not None and "grad_out" in wanted:
        values["grad_out"] = loss_grad(out_array, y)
    if not wanted & {"y", "output", "grad_out", "cache"}:
        # backward() with no targets: the targets went into the object's loss object (Model(layers, loss)).
        for criterion in loss_objects(obj):
            evaluate_loss(criterion, out, y)
    bound = bind(getattr(obj, method), values, unpacked(getattr(obj, method), out))
    if bound is None:
        raise TypeError(say("gradients.unbindable", method=method))
    args, kwargs = bound
    returned = plain(getattr(obj, method)(*args, **kwargs))
    overwrote = out_array is not None and not np.array_equal(out_array, kept)
    return returned, overwrote


SUPPLIED = ("x", "y", "lr", "epochs", "batch", "reg", "grad_out")


def unpacked(method, out) -> dict:
    """A forward that returns its caches with the output (``return h, out``) and a backward that takes them in
    the same order (``backward(X, y, h, output)``): the returned values, by the backward's argument names."""
    if not isinstance(out, (tuple, list)) or len(out) < 2:
        return {}
    named = [(name, role) for name, role, needed in argument_roles(method) if needed and role not in SUPPLIED]
    if len(named) == len(out):
        return {name: value for (name, _), value in zip(named, out)}
    # (output, cache) and a backward that takes only the cache (``gradient_descent(Y, cache, alpha)``).
    if len(out) == 2 and [role for _, role in named] == ["cache"]:
        return {named[0][0]: out[1]}
    return {}


def read_gradients(ctx, obj, method: str, source: str, batch: Batch, lr: float | None,
                   layout: str | None = None) -> GradientRead:
    """One read of the gradients of ``obj`` (see the module docstring); run inside a time-limited call.

    ``layout``: how the data is given to the gradient method (default: as to the forward); one sample at
    a time (``sample_column``, ``sample_flat``) gives one read per sample, restored in between.
    """
    X, y, layout = batch.X, batch.y, layout or ctx.forward.layout
    per_sample = layout in PER_SAMPLE
    samples = list(zip(shape_inputs(X, layout), y)) if per_sample else [(shape_inputs(X, layout), y)]
    before_params = params.get_params(obj, ctx.layouts)
    reads, overwrote, updated = [], False, False
    for x, target in samples:
        before = snapshot(obj)
        returned, wrote_output = call_once(ctx, obj, method, x, target, batch.loss_grad)
        overwrote |= wrote_output
        after_params = params.get_params(obj, ctx.layouts)
        moved = any(not np.array_equal(before_params[k], after_params[k]) for k in before_params)
        updated |= moved
        if source == "returned":
            grads, how = map_gradients(returned, ctx.layouts, len(X))
        elif source == "attributes":
            grads, how = from_attributes(before, params.arrays_in(obj), ctx.layouts), say("how.by_place")
        else:
            grads = {k: (before_params[k] - after_params[k]) / lr for k in before_params} if moved else None
            how = ""
        if moved:
            params.set_params(obj, ctx.layouts, params.as_torch(ctx.layouts, before_params), X.dtype)
        if grads is None:
            kind = "none" if returned is None else ("other" if not map_gradients(returned, ctx.layouts, 1)[0]
                                                    else "arrays")
            text = how
            if kind != "arrays":
                text = say("gradients.returned_how", method=method, value=_describe(returned), how=how) \
                    if source == "returned" else say("gradients.returned", method=method, value=_describe(returned))
            return GradientRead(None, text or say("gradients.none_this_way", method=method), returned=kind)
        reads.append(grads)
    if len(reads) == 1:
        return GradientRead(reads[0], how=how, updated=updated and source != "update", overwrote_output=overwrote)
    stacked = {k: np.stack([r[k] for r in reads]) for k in reads[0]}
    return GradientRead(stacked, how=how, updated=updated and source != "update", overwrote_output=overwrote)


def _describe(value) -> str:
    """What a call returned, in a few words (for "backward returned a str, not gradients")."""
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        return say("gradients.sequence", kind=type(value).__name__, length=len(value))
    return say("gradients.object", kind=type(value).__name__)
