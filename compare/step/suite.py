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


def suite_nets() -> dict[str, tuple[tuple[int, ...], np.ndarray, np.ndarray]]:
    """The lesson's letters net and a deeper net on seeded Gaussian data (16 rows)."""
    X, Y = letters()
    rng = np.random.default_rng(1234)
    deep_X, deep_Y = rng.normal(size=(16, 64)), rng.normal(size=(16, 10))
    return {
        "letters 30-16-3": ((30, 16, 3), X, Y),
        "deep 64-32-32-10": ((64, 32, 32, 10), deep_X, deep_Y),
    }


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
        for net, (sizes, X, Y) in nets.items():
            for dtype in dtypes:
                for activation in activations:
                    for loss in losses:
                        for i, init in enumerate(inits):
                            spec = MLPSpec(sizes=sizes, activation=activation, loss=loss, init=init,
                                           output_activation=output_activation, dtype=dtype)
                            step = compare_step(spec, X, Y)
                            fd = []
                            if finite_differences and dtype == "float64" and i == 0:
                                fd = finite_difference_check(spec, X, Y)
                            cases.append(Case(net, spec, step.records, fd))
                            bar.update()
    return cases
