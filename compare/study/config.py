"""How big the study is: one frozen config, with the full and the ``--quick`` presets.

Every number the study draws comes from ``seed`` (the base seed): the task-1
network uses ``seed``, the k-th run of an initialisation scheme uses
``seed + k``, the noisy letters with f flipped pixels use ``seed + f``. Same
config, same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# (name shown in the report, initialiser spec). The lesson's two tries are
# standard_normal and lecun_normal (weights scaled by 1/sqrt(fan_in)).
INIT_SCHEMES: tuple[tuple[str, str], ...] = (
    ("zeros", "zeros"),
    ("small normal (std 0.01)", "normal(std=0.01)"),
    ("standard normal", "standard_normal"),
    ("1/sqrt(fan_in) (lecun normal)", "lecun_normal"),
    ("xavier uniform", "xavier_uniform"),
    ("xavier normal", "xavier_normal"),
    ("kaiming uniform", "kaiming_uniform"),
    ("kaiming normal", "kaiming_normal"),
    ("orthogonal", "orthogonal"),
    ("torch default", "torch_default"),
)

LEARNING_RATES: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)
TASK3_ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "sigmoid", "tanh", "elu", "gelu")
COST_ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "sigmoid", "tanh")


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
    init_seeds: int = 20            # runs per initialisation scheme (handmade side)
    init_torch_seeds: int = 20      # of those, how many also run on the torch side
    init_epochs: int = 300
    task3_epochs: int = 400
    deep_hidden_layers: int = 8     # the vanishing-gradient net: 30-16x8-3
    deep_seeds: int = 5
    collapse_epochs: int = 200
    cost_elements: int = 1_000_000  # array size for the activation timing
    cost_repeats: int = 9
    dpi: int = 110

    @classmethod
    def full(cls, seed: int = 0) -> StudyConfig:
        return cls(seed=seed)

    @classmethod
    def quick_preset(cls, seed: int = 0) -> StudyConfig:
        """A few seconds: enough to exercise every code path and draw every figure."""
        return cls(seed=seed, quick=True, task1_epochs=150, noisy_copies=20, init_seeds=3, init_torch_seeds=2,
                   init_epochs=60, task3_epochs=60, deep_seeds=2, collapse_epochs=20,
                   cost_elements=100_000, cost_repeats=3, dpi=60)

    def to_dict(self) -> dict:
        return asdict(self)
