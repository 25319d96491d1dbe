"""The one-step parity suite: every activation x loss x initialiser x net x dtype.

For each case, ``compare_step`` compares every tensor of one forward/backward
with torch; for float64 and the first initialiser, the central-difference
check adds a torch-free third opinion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compare.measure.records import summarize
from compare.present.progress import progress_bar
from compare.step.gradcheck import finite_difference_check
from compare.step.parity import compare_step
from handmade.contract.spec import MLPSpec
from handmade.data import letters
from handmade.losses import get_loss, one_hot


def suite_nets() -> dict[str, tuple[tuple[int, ...], np.ndarray, np.ndarray, np.ndarray]]:
    """The lesson's letters net and a deeper net on seeded Gaussian data (16 rows): (sizes, X, regression
    targets, classification targets - one-hot rows)."""
    X, Y = letters()
    rng = np.random.default_rng(1234)
    deep_X, deep_Y = rng.normal(size=(16, 64)), rng.normal(size=(16, 10))
    deep_classes = one_hot(rng.integers(0, 10, size=16), 10)
    return {
        "letters 30-16-3": ((30, 16, 3), X, Y, Y),
        "deep 64-32-32-10": ((64, 32, 32, 10), deep_X, deep_Y, deep_classes),
    }


def output_for(loss: str, output_activation: str) -> str:
    """The output activation a case is built with: a classification loss's own link (softmax, sigmoid), so
    that the probabilities are compared too; ``output_activation`` for the others."""
    return get_loss(loss).link or output_activation


@dataclass
class Case:
    net: str
    spec: MLPSpec
    records: list
    fd: list = field(default_factory=list)

    @property
    def summary(self) -> dict:
        return summarize(self.records + self.fd)

    @property
    def worst(self):
        counted = [r for r in self.records if r.counted]
        return max(counted, key=lambda r: r.max_rel_diff)

    def to_dict(self) -> dict:
        return {"net": self.net, "spec": self.spec.to_dict(), "summary": self.summary,
                "records": [r.to_dict() for r in self.records], "finite_difference": [c.to_dict() for c in self.fd]}


def run_suite(activations, losses, inits, dtypes=("float64", "float32"),
              output_activation="identity", finite_differences=True, progress=True) -> list[Case]:
    nets = suite_nets()
    total = len(nets) * len(activations) * len(losses) * len(inits) * len(dtypes)
    cases = []
    with progress_bar(total, "grads", enabled=None if progress else False) as bar:
        for net, (sizes, X, Y_regression, Y_classes) in nets.items():
            for dtype in dtypes:
                for activation in activations:
                    for loss in losses:
                        Y = Y_classes if get_loss(loss).link else Y_regression
                        for i, init in enumerate(inits):
                            spec = MLPSpec(sizes=sizes, activation=activation, loss=loss, init=init,
                                           output_activation=output_for(loss, output_activation), dtype=dtype)
                            step = compare_step(spec, X, Y)
                            fd = []
                            if finite_differences and dtype == "float64" and i == 0:
                                fd = finite_difference_check(spec, X, Y)
                            cases.append(Case(net, spec, step.records, fd))
                            bar.update()
    return cases
