"""The bench's sizes and data: from the lesson's letters to a 784-1024-1024-10 network."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handmade.data import letters


@dataclass(frozen=True)
class BenchSize:
    sizes: tuple[int, ...]
    batch: int
    run_epochs: int
    quick_run_epochs: int


SIZES: dict[str, BenchSize] = {
    "tiny": BenchSize((30, 16, 3), 3, 1000, 200),       # the lesson's letters
    "small": BenchSize((64, 64, 10), 1797, 1000, 50),   # the shape of scikit-learn's digits
    "medium": BenchSize((784, 256, 10), 256, 200, 20),  # an MNIST mini-batch
    "large": BenchSize((784, 1024, 1024, 10), 512, 10, 3),
}
GFLOP_SIZES = ("medium", "large")
LR = 0.01

def bench_data(name: str, dtype: str):
    """Deterministic data: the letters for tiny, seeded Gaussian inputs and one-hot targets otherwise."""
    size = SIZES[name]
    if name == "tiny":
        X, Y = letters()
    else:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(size.batch, size.sizes[0]))
        Y = np.eye(size.sizes[-1])[rng.integers(0, size.sizes[-1], size.batch)]
    return X.astype(dtype), Y.astype(dtype)


def step_flops(sizes, n_rows: int) -> float:
    """Matmul flops of one training step (see the module docstring)."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    per_pass = 2.0 * n_rows * sum(n_in * n_out for n_in, n_out in layers)
    return 3 * per_pass - 2.0 * n_rows * layers[0][0] * layers[0][1]


def matmul_flops(sizes, n_rows: int) -> float:
    return 2.0 * n_rows * sizes[0] * sizes[1]


@dataclass(frozen=True)
class BenchOptions:
    """What one bench run measures. ``None`` picks the default (the quick one with ``quick``).

    ``threads``: BLAS and torch intra-op threads for the whole run (None: the libraries' own
    choice, one per core); with more than one, blocks of different libraries are separated
    by a settle pause (``compare.measure.timing``).
    """

    sizes: tuple[str, ...] = tuple(SIZES)
    dtypes: tuple[str, ...] = ("float64", "float32")
    quick: bool = False
    rounds: int | None = None
    batched: bool = True
    networks: int | None = None
    batched_epochs: int | None = None
    threads: int | None = None
    progress: bool = True

    @property
    def timed_rounds(self) -> int:
        return self.rounds or (5 if self.quick else 15)

    @property
    def batched_size(self) -> tuple[int, int]:
        """(networks, epochs) of the batched comparison."""
        return self.networks or (10 if self.quick else 100), self.batched_epochs or (100 if self.quick else 1000)
