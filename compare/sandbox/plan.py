"""How a class was understood: the constructor call, where each parameter lives, which methods do what.

The :class:`Plan` is what discovery (``compare.sandbox.discovery``) finds and what the
report prints in one block ("built as ..., W1 is ``self.weights[0]`` (in, out) ..."), so a
wrong guess is visible. It crosses to the checker as plain data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from compare.sandbox.construct import Call
from compare.sandbox.layout import ParamLayout


@dataclass
class MethodPlan:
    """A method and how to call it: by name, with the data in ``layout``, arguments by role.

    ``source`` (gradients only): where the gradients come from - "returned", "attributes" (set by
    the call: ``self.dW1``, ``layer.grad['W']``) or "update" (read back from the weights it
    changed, with learning rate ``lr``; ``lr_known`` False when the tool had to guess it).
    ``labels``: the targets are passed as integer class labels instead of one-hot rows.
    ``epochs``: how a training method is told the number of epochs - "argument", "constructor"
    (set when the object is built) or "calls" (one call is one epoch, or one sample's step).
    """

    name: str
    layout: str = "rows"
    source: str = "returned"
    lr: float | None = None
    lr_known: bool = True
    labels: bool = False
    epochs: str = "argument"
    how: str = ""

    @property
    def per_sample(self) -> bool:
        return self.layout in ("sample_column", "sample_flat")


@dataclass
class Plan:
    class_name: str
    call: Call
    sizes: tuple[int, ...]
    bias: bool
    layouts: list[ParamLayout]
    forward: MethodPlan
    gradients: MethodPlan | None = None
    train: MethodPlan | None = None
    notes: list[str] = field(default_factory=list)
    missing: dict | None = None   # {"reason", "fix"}: no gradients could be had (the rest is still checked)

    @property
    def construction(self) -> str:
        return self.call.text(self.class_name)

    def to_message(self) -> dict:
        return {"class_name": self.class_name, "construction": self.construction, "filled": self.call.filled,
                "sizes": list(self.sizes), "bias": self.bias, "layouts": [p.to_message() for p in self.layouts],
                "forward": asdict(self.forward), "gradients": asdict(self.gradients) if self.gradients else None,
                "train": asdict(self.train) if self.train else None, "notes": list(self.notes),
                "missing": self.missing}


def describe(message: dict) -> list[str]:
    """The report's "understood as" lines for a plan received as a message."""
    lines = [f"built as {message['construction']}"]
    if message["filled"]:
        lines[0] += " (filled in by the checker: " + ", ".join(f"{k}={v!r}" for k, v in message["filled"].items()) \
            + "; --init-args changes them)"
    where = []
    for p in message["layouts"]:
        orientation = " (in, out)" if p["transposed"] else ""
        where.append(f"{p['key']} = {p['name']} {tuple(p['shape'])}{orientation}")
    lines.append("parameters: " + "; ".join(where) + ("" if message["bias"] else " (no biases)"))
    forward = message["forward"]
    lines.append(f"forward: {forward['name']}(X) with {_layout_words(forward['layout'])}")
    grads = message["gradients"]
    if grads:
        lines.append(f"gradients: {grads['name']} ({_source_words(grads)}){_labels(grads)}")
    else:
        lines.append(f"gradients: none found ({message['missing']['reason']})")
    train = message["train"]
    lines.append(f"training: {train['name']} ({train['how']})" if train else
                 "training: no training method found; the checker runs SGD with your gradients")
    return lines + list(message["notes"])


def _layout_words(layout: str) -> str:
    return {"rows": "one sample per row", "columns": "one sample per column",
            "sample_column": "one sample at a time, as a column vector",
            "sample_flat": "one sample at a time, as a vector"}[layout]


def _source_words(grads: dict) -> str:
    alone = "" if grads["layout"] in ("rows", "columns") else f", {_layout_words(grads['layout'])}"
    if grads["source"] == "returned":
        return "returned" + (f", {grads['how']}" if grads["how"] else "") + alone
    if grads["source"] == "attributes":
        return f"read from the attributes it sets{', ' + grads['how'] if grads['how'] else ''}{alone}"
    rate = f"learning rate {grads['lr']:g}" + ("" if grads["lr_known"] else ": none is passed to it, set at "
                                              "construction or kept as an attribute, so w -= gradient is assumed")
    layout = "" if grads["layout"] in ("rows", "columns") else f", {_layout_words(grads['layout'])}"
    return f"read back from the update it makes ({rate}){layout}"


def _labels(plan: dict) -> str:
    return "; targets as integer labels" if plan["labels"] else ""
