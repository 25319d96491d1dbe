"""K networks trained at once (handmade.fast.batched) equal K separate runs of the readable core."""

from __future__ import annotations

import numpy as np
import pytest

from compare.measure.differences import rel_diff
from compare.measure.tolerance import tolerance_for
from handmade import MLP, MLPSpec, TrainPlan, letters, noisy_letters, train
from handmade.contract.errors import InvalidInput
from handmade.fast.batched import BatchedMLP, train_batched
from handmade.losses import LOSSES

TOL = tolerance_for("float64").trajectory


def member_specs(k: int) -> list[MLPSpec]:
    inits = ["torch_default", "xavier_uniform", "kaiming_normal", "lecun_normal"]
    return [MLPSpec(sizes=(30, 16, 3), seed=i, init=inits[i % len(inits)]) for i in range(k)]


def assert_histories_equal(together, apart, tol=TOL):
    assert len(together) == len(apart)
    for k, (a, b) in enumerate(zip(together, apart)):
        assert a.stop_reason == b.stop_reason, k
        assert a.diverged_at == b.diverged_at, k
        assert len(a.loss) == len(b.loss), k
        finite = np.isfinite(b.loss)
        assert np.array_equal(np.isfinite(a.loss), finite), k
        assert rel_diff(a.loss[finite], b.loss[finite]) <= tol, k
        for key, p in b.final_params.items():
            assert rel_diff(a.final_params[key], p) <= tol, (k, key)


@pytest.mark.parametrize("optimizer, lr", [("sgd", 0.1), ("momentum", 0.05), ("adam", 0.01)])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_batched_equals_separate_handmade(optimizer, lr, k):
    X, Y = letters()
    specs = member_specs(k)
    plan = TrainPlan(optimizer=optimizer, lr=lr, epochs=60)
    together = train_batched(specs, X, Y, plan)
    apart = [train(MLP(spec), X, Y, plan) for spec in specs]
    assert_histories_equal(together, apart)
    # The members really differ: equality above is not K copies of one run.
    assert rel_diff(together[0].loss, together[-1].loss) > 1e-3 or k == 1


def test_minibatches_stopping_norms_and_snapshots_match():
    X, Y = noisy_letters(flips=2, copies=3, seed=0)
    specs = member_specs(4)
    plan = TrainPlan(optimizer="momentum", lr=0.05, epochs=80, batch_size=4, seed=3, stop_loss=0.05,
                     record_grad_norms=True, snapshot_epochs=(1, 10))
    together = train_batched(specs, X, Y, plan)
    apart = [train(MLP(spec), X, Y, plan) for spec in specs]
    assert_histories_equal(together, apart)
    assert any(h.stop_reason != "epochs done" for h in apart)  # the stopping rule was exercised
    for a, b in zip(together, apart):
        assert rel_diff(a.grad_norms, b.grad_norms) <= TOL
        for epoch in b.snapshots:
            for key in b.snapshots[epoch]:
                assert rel_diff(a.snapshots[epoch][key], b.snapshots[epoch][key]) <= TOL
            assert a.optimizer_snapshots[epoch]["t"] == b.optimizer_snapshots[epoch]["t"]


def test_a_divergent_member_does_not_poison_the_others():
    X, Y = letters()
    specs = member_specs(3)
    params = [spec.init_params() for spec in specs]
    params[1] = {key: p * 1e60 for key, p in params[1].items()}  # overflows within a few epochs
    plan = TrainPlan(optimizer="momentum", lr=0.05, epochs=40)
    together = train_batched(BatchedMLP(specs, params), X, Y, plan)
    apart = [train(MLP(spec, {k: v.copy() for k, v in p.items()}), X, Y, plan) for spec, p in zip(specs, params)]
    assert apart[1].diverged and not apart[0].diverged and not apart[2].diverged
    assert_histories_equal(together, apart)
    assert together[1].diverged_at == apart[1].diverged_at
    for k in (0, 2):
        assert len(together[k].loss) == 40 and np.all(np.isfinite(together[k].loss))


@pytest.mark.parametrize("sizes, activation, output_activation, loss", [
    ((30, 8, 5, 3), "tanh", "sigmoid", "sse"),           # two hidden layers: the stacked (non-first) path twice
    ((30, 6, 3), "leaky_relu", "identity", "half_sse"),
    ((30, 3), "relu", "tanh", "mse"),                     # one layer: only the shared-input path
])
def test_batched_equals_separate_for_other_shapes_activations_and_losses(sizes, activation, output_activation, loss):
    X, Y = letters()
    specs = [MLPSpec(sizes=sizes, activation=activation, output_activation=output_activation, loss=loss, seed=s)
             for s in range(3)]
    plan = TrainPlan(optimizer="adam", lr=0.01, epochs=25)
    assert_histories_equal(train_batched(specs, X, Y, plan), [train(MLP(spec), X, Y, plan) for spec in specs])


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_registered_loss_trains_batched(loss):
    """The batched path calls handmade.losses itself: a new loss needs no batched code. A classification
    loss is paired with its link as the output (softmax is applied to the rows of the transposed blocks)."""
    X, Y = letters()
    output = LOSSES[loss].link or "identity"
    specs = [MLPSpec(sizes=(30, 8, 3), output_activation=output, loss=loss, seed=s) for s in range(3)]
    plan = TrainPlan(optimizer="sgd", lr=0.05, epochs=20)
    assert_histories_equal(train_batched(specs, X, Y, plan), [train(MLP(spec), X, Y, plan) for spec in specs])


def test_batched_float32_follows_separate_runs_to_the_float32_tolerance():
    X, Y = letters()
    specs = [spec.replace(dtype="float32") for spec in member_specs(3)]
    plan = TrainPlan(optimizer="momentum", lr=0.05, epochs=40)
    together = train_batched(specs, X, Y, plan)
    assert together[0].final_params["layers.0.weight"].dtype == np.float32
    assert_histories_equal(together, [train(MLP(spec), X, Y, plan) for spec in specs],
                           tol=tolerance_for("float32").trajectory)


def test_stacked_params_are_the_members_params_and_forward_matches_each_member():
    X, _ = letters()
    specs = member_specs(4)
    model = BatchedMLP(specs)
    for k, spec in enumerate(specs):
        for key, p in spec.init_params().items():
            assert np.array_equal(model.params[key][k], p), (k, key)  # [W | b] blocks split back exactly
    s = model.forward(X)
    assert s.shape == (4, len(X), 3)
    for k, spec in enumerate(specs):
        assert rel_diff(s[k], MLP(spec).forward(X)) <= TOL, k
    model.params["layers.1.bias"][2] += 1.0  # params are live views into the blocks, as MLP.params is live
    assert np.allclose(model.forward(X)[2], s[2] + 1.0)


def test_optimizer_snapshots_match_separate_runs_buffer_by_buffer():
    X, Y = letters()
    specs = member_specs(3)
    for optimizer in ("momentum", "adam"):
        plan = TrainPlan(optimizer=optimizer, lr=0.02, epochs=12, snapshot_epochs=(6,))
        together = train_batched(specs, X, Y, plan)
        apart = [train(MLP(spec), X, Y, plan) for spec in specs]
        for a, b in zip(together, apart):
            mine, ref = a.optimizer_snapshots[6], b.optimizer_snapshots[6]
            assert mine["t"] == ref["t"] == 5
            assert set(mine["state"]) == set(ref["state"]) == set(b.final_params)
            for key, buffers in ref["state"].items():
                assert set(mine["state"][key]) == set(buffers), key
                for name, arr in buffers.items():
                    assert mine["state"][key][name].shape == arr.shape, (key, name)
                    assert rel_diff(mine["state"][key][name], arr) <= TOL, (optimizer, key, name)


def test_batched_refuses_networks_of_different_shapes():
    with pytest.raises(InvalidInput, match="sizes differs"):
        BatchedMLP([MLPSpec(sizes=(30, 16, 3)), MLPSpec(sizes=(30, 8, 3))])
    with pytest.raises(InvalidInput, match="activation differs"):
        BatchedMLP([MLPSpec(), MLPSpec(activation="tanh")])
