"""K torch networks trained at once (torch_ref.batched) equal K separate torch runs, and the handmade batch."""

from __future__ import annotations

from handmade import TrainPlan, letters
from handmade.fast.batched import train_batched
from tests.handmade.fast.test_batched import assert_histories_equal, member_specs
from torch_ref.batched import BatchedTorchMLP, train_torch_batched
from torch_ref.model import TorchMLP
from torch_ref.train import train_torch, train_torch_each


def test_torch_batched_equals_torch_separate():
    X, Y = letters()
    specs = member_specs(3)
    for optimizer, lr in (("sgd", 0.1), ("adam", 0.01)):
        plan = TrainPlan(optimizer=optimizer, lr=lr, epochs=30)
        together = train_torch_batched(specs, X, Y, plan)
        assert_histories_equal(together, train_torch_each(specs, X, Y, plan))
        # ... and the torch batch agrees with the handmade batch: two implementations, one answer.
        assert_histories_equal(train_batched(specs, X, Y, plan), together)


def test_torch_batched_divergent_member():
    X, Y = letters()
    specs = member_specs(3)
    params = [spec.init_params() for spec in specs]
    params[0] = {key: p * 1e60 for key, p in params[0].items()}
    plan = TrainPlan(optimizer="momentum", lr=0.05, epochs=25)
    together = train_torch_batched(BatchedTorchMLP(specs, params), X, Y, plan)
    apart = [train_torch(TorchMLP(spec, p), X, Y, plan) for spec, p in zip(specs, params)]
    assert apart[0].diverged and not apart[1].diverged
    assert_histories_equal(together, apart)
