"""How a class was understood: the constructor call, where each parameter lives, which methods do what.

The :class:`Plan` is what discovery (``compare.sandbox.discovery``) finds and what the
report prints in one block ("built as ..., W1 is ``self.weights[0]`` (in, out) ..."), so a
wrong guess is visible. It crosses to the checker as plain data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from compare.sandbox.calling import PER_SAMPLE
from compare.sandbox.construct import Call
from compare.sandbox.layout import ParamLayout
from compare.sandbox.texts import say


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
        return self.layout in PER_SAMPLE


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
    """The report's "understood as" lines for a plan received as a message (sentences: ``Said``)."""
    filled = [f"{k}={v!r}" for k, v in message["filled"].items()]
    lines = [say("plan.built_filled", construction=message["construction"], filled=filled) if filled else
             say("plan.built", construction=message["construction"])]
    where = [say("plan.param_in_out" if p["transposed"] else "plan.param", key=p["key"], name=p["name"],
                 shape=tuple(p["shape"])) for p in message["layouts"]]
    lines.append(say("plan.parameters" if message["bias"] else "plan.parameters_no_bias", where=where))
    forward = message["forward"]
    lines.append(say("plan.forward", method=forward["name"], layout=say(f"layout.{forward['layout']}")))
    grads = message["gradients"]
    if grads:
        lines.append(say("plan.gradients_labels" if grads["labels"] else "plan.gradients", method=grads["name"],
                         source=_source_words(grads)))
    else:
        lines.append(say("plan.gradients_none", reason=message["missing"]["reason"]))
    train = message["train"]
    lines.append(say("plan.training", method=train["name"], how=train["how"]) if train else say("plan.training_none"))
    return lines + list(message["notes"])


def _source_words(grads: dict) -> list[str]:
    """How the gradients are read, in words joined by ", ": where from, how matched, how the data is given."""
    alone = [] if grads["layout"] in ("rows", "columns") else [say(f"layout.{grads['layout']}")]
    how = [grads["how"]] if grads["how"] else []
    if grads["source"] == "returned":
        return [say("source.returned"), *how, *alone]
    if grads["source"] == "attributes":
        return [say("source.attributes"), *how, *alone]
    rate = say("source.rate" if grads["lr_known"] else "source.rate_assumed", lr=grads["lr"])
    return [say("source.update", rate=rate), *alone]
