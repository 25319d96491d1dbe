"""How big the study is: one frozen config, with the full and the ``--quick`` presets.

Seeds come in disjoint blocks: ``--seed N`` draws every random number of the
study from the block ``N * SEED_BLOCK ... (N + 1) * SEED_BLOCK - 1``
(``first_seed`` = the block's first). Within a block the task-1 network uses
``first_seed``, the k-th run of a scheme (task 2) or of a learning rate or
activation (task 3) uses ``first_seed + k``, the noisy letters with f flipped
pixels ``first_seed + f``. So ``--seed 1`` shares no network with ``--seed 0``
and replicates it: a separation the report claims with one block must show in
the other. Same config, same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from handmade.contract.errors import InvalidInput

SEED_BLOCK = 10_000  # seeds per block: more than any part of the study draws (checked in StudyConfig)

# (key, initialiser spec). The report names each scheme in its own language (text/*.json "scheme.<key>").
# The lesson's two tries are standard_normal and lecun_normal (weights scaled by 1/sqrt(fan_in)).
INIT_SCHEMES: tuple[tuple[str, str], ...] = (
    ("zeros", "zeros"),
    ("small_normal", "normal(std=0.01)"),
    ("standard_normal", "standard_normal"),
    ("lecun_normal", "lecun_normal"),
    ("xavier_uniform", "xavier_uniform"),
    ("xavier_normal", "xavier_normal"),
    ("kaiming_uniform", "kaiming_uniform"),
    ("kaiming_normal", "kaiming_normal"),
    ("orthogonal", "orthogonal"),
    ("torch_default", "torch_default"),
)

LEARNING_RATES: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)
# Task 2's rate x scheme grid: lr 1 is left to task 3 (every ReLU run fails there, whatever the scheme).
INIT_RATES: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3)
TASK3_ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu")
COST_ACTIVATIONS: tuple[str, ...] = ("relu", "sigmoid")
# float64 elements: 8 KB (L1), 80 KB (L2), 800 KB (L2, large-allocation path), 8 MB (past the 4 MB L2)
COST_SIZES: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000)


@dataclass(frozen=True)
class StudyConfig:
    """Sizes of every part of the study. ``threshold`` is the loss that counts as "learned"."""

    seed: int = 0
    quick: bool = False
    lr: float = 0.1                 # SGD, full batch: the lesson's plain gradient descent
    threshold: float = 1e-3         # MSE at which outputs are within ~0.03 of the one-hot targets
    task1_epochs: int = 500
    noisy_copies: int = 300         # noisy samples per letter and per number of flipped pixels
    max_flips: int = 6
    init_seeds: int = 300           # runs per scheme at ``lr`` (task 2's main comparison)
    grid_seeds: int = 200           # runs per scheme at every other rate of the rate x scheme grid
    init_torch_seeds: int = 20      # of each cell's runs, how many also run on the torch side
    init_epochs: int = 300
    task3_seeds: int = 30           # runs per learning rate and per activation (all on both sides)
    task3_epochs: int = 400
    deep_hidden_layers: int = 8     # the vanishing-gradient net: 30-16x8-3
    deep_seeds: int = 5
    collapse_epochs: int = 200
    cost_sizes: tuple[int, ...] = COST_SIZES
    cost_rounds: int = 5            # timed rounds (each: one ~20 ms block per function, compare.measure.timing)
    dpi: int = 110

    def __post_init__(self):
        if self.grid_seeds > self.init_seeds:
            raise InvalidInput(f"grid_seeds ({self.grid_seeds}) cannot exceed init_seeds ({self.init_seeds}): "
                               "the grid's runs are the first runs of the main rate's")
        if max(self.init_seeds, self.task3_seeds, self.max_flips + 1) > SEED_BLOCK // 10:
            raise InvalidInput(f"at most {SEED_BLOCK // 10} runs per cell fit a seed block of {SEED_BLOCK}")

    @property
    def first_seed(self) -> int:
        """The first seed of this config's block."""
        return self.seed * SEED_BLOCK

    @classmethod
    def full(cls, seed: int = 0) -> StudyConfig:
        return cls(seed=seed)

    @classmethod
    def quick_preset(cls, seed: int = 0) -> StudyConfig:
        """A few seconds: enough to exercise every code path and draw every figure."""
        return cls(seed=seed, quick=True, task1_epochs=150, noisy_copies=20, init_seeds=6, grid_seeds=4,
                   init_torch_seeds=2, init_epochs=80, task3_seeds=4, task3_epochs=80, deep_seeds=2,
                   collapse_epochs=20, cost_sizes=(1_000, 10_000), cost_rounds=2, dpi=50)

    def to_dict(self) -> dict:
        return {**asdict(self), "first_seed": self.first_seed, "seed_block": SEED_BLOCK}
