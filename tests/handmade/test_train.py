"""The shared training plan, both training loops, the stopping rule, divergence and the data sets."""

from __future__ import annotations

import numpy as np
import pytest

from compare.files.datafiles import load_data
from compare.measure.differences import loss_rel_diffs
from handmade.contract.errors import InvalidInput
from handmade.contract.plan import STOP_DIVERGED, STOP_PATIENCE, STOP_TARGET, TrainPlan
from handmade.contract.spec import MLPSpec
from handmade.data import letters, noisy_letters, xor
from handmade.model import MLP
from handmade.train import train
from torch_ref.model import TorchMLP
from torch_ref.train import train_torch

SPEC = MLPSpec(sizes=(30, 8, 3), activation="tanh", init="xavier_uniform", seed=1)


def _both(plan, spec=SPEC, X=None, Y=None, torch_plan=None):
    if X is None:
        X, Y = noisy_letters(flips=2, copies=3, seed=0)  # 9 rows
    mine = train(MLP(spec), X, Y, plan)
    theirs = train_torch(TorchMLP(spec), X, Y, torch_plan or plan)
    return mine, theirs


def test_full_batch_trajectory_matches_torch():
    mine, theirs = _both(TrainPlan(optimizer="momentum", lr=0.05, epochs=60, record_grad_norms=True))
    assert len(mine.loss) == len(theirs.loss) == 60
    assert mine.loss[-1] < 0.5 * mine.loss[0]  # it trains
    np.testing.assert_allclose(mine.loss, theirs.loss, rtol=1e-12)
    np.testing.assert_allclose(mine.grad_norms, theirs.grad_norms, rtol=1e-12)
    for key in mine.final_params:
        np.testing.assert_allclose(mine.final_params[key], theirs.final_params[key], rtol=0, atol=1e-13)


def test_minibatch_order_is_shared_and_matters():
    plan = TrainPlan(optimizer="sgd", lr=0.2, epochs=15, batch_size=2, seed=4)
    mine, theirs = _both(plan)
    np.testing.assert_allclose(mine.loss, theirs.loss, rtol=1e-12)
    # The order matters: torch fed another shuffle (seed 5) parts from the handmade run well beyond rounding,
    # so the agreement above is evidence that both sides saw the same batches.
    _, shuffled = _both(plan, torch_plan=plan.replace(seed=5))
    assert np.max(np.abs(mine.loss - shuffled.loss) / mine.loss) > 1e-4


def test_batch_order_is_a_permutation_per_epoch_and_reproducible():
    plan = TrainPlan(epochs=3, batch_size=4, seed=7)

    def order(plan):
        return [[b.tolist() for b in batches] for batches in plan.batch_order(10)]

    first = order(plan)
    assert len(first) == 3
    for batches in first:
        assert [len(b) for b in batches] == [4, 4, 2]
        assert sorted(sum(batches, [])) == list(range(10))
    assert order(plan) == first  # the seed fixes the order
    assert first[0] != first[1]  # reshuffled every epoch
    assert order(plan.replace(seed=8)) != first  # and another seed gives another order
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(first, first[1:]))  # reshuffled each epoch


def test_same_seed_same_history_bit_for_bit():
    plan = TrainPlan(optimizer="adam", lr=0.01, epochs=25, batch_size=3, seed=2, record_grad_norms=True)
    X, Y = noisy_letters(flips=1, copies=2)
    runs = [train(MLP(SPEC), X, Y, plan) for _ in range(2)]
    assert runs[0].loss.tobytes() == runs[1].loss.tobytes()
    assert runs[0].grad_norms.tobytes() == runs[1].grad_norms.tobytes()
    for key in runs[0].final_params:
        assert runs[0].final_params[key].tobytes() == runs[1].final_params[key].tobytes()


def test_divergence_is_recorded_at_the_same_epoch_without_warnings():
    # pytest turns warnings into errors (pyproject), so an overflow warning would fail this test.
    spec = MLPSpec(sizes=(30, 16, 3), activation="leaky_relu", init="xavier_uniform", seed=0)
    X, Y = letters()
    mine, theirs = _both(TrainPlan(lr=1.0, epochs=200), spec=spec, X=X, Y=Y)
    assert mine.diverged and mine.stop_reason == STOP_DIVERGED
    assert mine.diverged_at == theirs.diverged_at == len(mine.loss)
    assert not np.isfinite(mine.loss[-1]) and np.all(np.isfinite(mine.loss[:-1]))
    # The parameters stay finite: no step is taken from a non-finite loss.
    assert all(np.all(np.isfinite(v)) for v in mine.final_params.values())
    _, rel = loss_rel_diffs(mine.loss, theirs.loss, 0.0)
    assert rel[-1] == 0.0  # both non-finite at the same epoch counts as agreement


def test_stopping_rules():
    X, Y = letters()
    spec = SPEC.replace(activation="relu")
    target = train(MLP(spec), X, Y, TrainPlan(lr=0.1, epochs=2000, stop_loss=1e-3))
    assert target.stop_reason == STOP_TARGET and target.loss[-1] <= 1e-3 < target.loss[-2]
    stalled = train(MLP(spec), X, Y, TrainPlan(lr=1e-3, epochs=2000, patience=3, min_delta=1.0))
    # Epoch 1 sets the best loss; three epochs without an improvement > min_delta follow.
    assert stalled.stop_reason == STOP_PATIENCE and stalled.epochs_run == 4
    theirs = train_torch(TorchMLP(spec), X, Y, TrainPlan(lr=0.1, epochs=2000, stop_loss=1e-3))
    assert theirs.epochs_run == target.epochs_run


def test_snapshots_hold_the_start_of_each_epoch():
    X, Y = letters()
    plan = TrainPlan(optimizer="momentum", lr=0.1, epochs=5, snapshot_epochs=(1, 3))
    model = MLP(SPEC)
    start = {k: v.copy() for k, v in model.params.items()}
    history = train(model, X, Y, plan)
    assert sorted(history.snapshots) == [1, 3]
    for key in start:
        np.testing.assert_array_equal(history.snapshots[1][key], start[key])
    assert history.optimizer_snapshots[1]["t"] == 0 and history.optimizer_snapshots[3]["t"] == 2
    assert "momentum_buffer" in history.optimizer_snapshots[3]["state"]["layers.0.weight"]


@pytest.mark.parametrize("changes, message", [
    ({"lr": 0.0}, "learning rate"),
    ({"lr": -1.0}, "learning rate"),
    ({"epochs": 0}, "epochs"),
    ({"optimizer": "rmsprop"}, "unknown optimizer"),
    ({"batch_size": 0}, "batch size"),
])
def test_bad_plans(changes, message):
    with pytest.raises(InvalidInput, match=message):
        TrainPlan(**changes)


def test_batch_larger_than_data_and_mismatched_rows():
    X, Y = letters()
    with pytest.raises(InvalidInput, match="larger than the data"):
        train(MLP(SPEC), X, Y, TrainPlan(batch_size=4))
    with pytest.raises(InvalidInput, match="larger than the data"):
        train_torch(TorchMLP(SPEC), X, Y, TrainPlan(batch_size=4))
    with pytest.raises(InvalidInput, match="3 rows but Y has 2"):
        train(MLP(SPEC), X, Y[:2], TrainPlan())


def test_data_sets(tmp_path):
    X, Y = letters()
    assert X.shape == (3, 30) and Y.shape == (3, 3)
    assert X[0].reshape(5, 6)[0].tolist() == [0, 0, 1, 1, 0, 0]  # "a", first row
    noisy, targets = noisy_letters(flips=3, copies=4, seed=1)
    assert noisy.shape == (12, 30) and targets.shape == (12, 3)
    np.testing.assert_array_equal(np.abs(noisy - np.tile(X, (4, 1))).sum(axis=1), 3)
    np.testing.assert_array_equal(noisy, noisy_letters(flips=3, copies=4, seed=1)[0])
    assert not np.array_equal(noisy, noisy_letters(flips=3, copies=4, seed=2)[0])
    assert xor()[0].shape == (4, 2)

    np.savez(tmp_path / "d.npz", X=X, Y=Y)
    X2, Y2 = load_data(tmp_path / "d.npz")
    np.testing.assert_array_equal(X2, X)
    (tmp_path / "d.csv").write_text("a,b,y0\n1,2,0\n3,4,1\n")
    X3, Y3 = load_data(tmp_path / "d.csv")
    assert X3.tolist() == [[1, 2], [3, 4]] and Y3.tolist() == [[0], [1]]
    np.savez(tmp_path / "bad.npz", X=X, Y=Y[:2])
    with pytest.raises(InvalidInput, match="rows"):
        load_data(tmp_path / "bad.npz")
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(InvalidInput, match="unsupported"):
        load_data(tmp_path / "d.txt")
