"""What a run did, from its curve: reached, oscillating, plateau, slow; seeds in disjoint blocks."""

from __future__ import annotations

import numpy as np
import pytest

from compare.study import outcomes as oc
from compare.study.config import SEED_BLOCK, StudyConfig
from handmade.contract.errors import InvalidInput


def test_outcome_of_synthetic_curves():
    epochs = np.arange(1, 301)
    falling = 0.3 * np.exp(-epochs / 40)
    assert oc.outcome(falling, 1e-3, False, 16) == oc.REACHED
    assert oc.epochs_to(falling, 1e-3) == int(np.ceil(40 * np.log(300))) and oc.ranked_epochs(falling, 1e-9, 300) == 301
    two_cycle = np.where(epochs % 2 == 0, 0.1309, 0.1488)  # lr 1 in task 3: the loss flips between two levels
    assert oc.outcome(two_cycle, 1e-3, False, 5) == oc.OSCILLATING
    assert oc.tail_rises(two_cycle) == pytest.approx(0.5, abs=0.02) and oc.tail_swing(two_cycle) > 0.1
    flat = 0.222 + 1e-9 * np.cos(epochs)  # every unit dead: the loss cannot move
    assert oc.outcome(np.maximum.accumulate(flat[::-1])[::-1], 1e-3, False, 3) == oc.PLATEAU
    slow = 0.3 * np.exp(-epochs / 400)
    assert oc.outcome(slow, 1e-3, False, 16) == oc.SLOW
    assert oc.outcome(slow, 1e-3, False, 1) == oc.SYMMETRIC
    assert oc.outcome(slow[:40], 1e-3, True, 16) == oc.DIVERGED


def test_dead_and_distinct_units():
    X = np.eye(3, 30)
    params = {"layers.0.weight": np.vstack([np.ones((2, 30)), -np.ones((2, 30))]), "layers.0.bias": np.zeros(4)}
    assert oc.dead_share(params, X) == 0.5 and oc.distinct_units(params) == 2


def test_seed_blocks_are_disjoint_and_bounded():
    a, b = StudyConfig.full(0), StudyConfig.full(1)
    seeds = {cfg.seed: set(range(cfg.first_seed, cfg.first_seed + cfg.init_seeds)) for cfg in (a, b)}
    assert not seeds[0] & seeds[1] and b.first_seed == SEED_BLOCK
    with pytest.raises(InvalidInput, match="grid_seeds"):
        StudyConfig(init_seeds=10, grid_seeds=20)
    with pytest.raises(InvalidInput, match="seed block"):
        StudyConfig(init_seeds=SEED_BLOCK, grid_seeds=1)
