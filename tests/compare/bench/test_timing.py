"""The bench's timing rules (compare.measure.timing): order, settle pauses, paired ratios. No clock is judged."""

from __future__ import annotations

import pytest

from compare.measure import timing
from compare.measure.timing import paired_ratio, settle_seconds, stats_us, time_steps


def _recording_steps(names, log):
    return {name: (lambda name=name: log.append(name)) for name in names}


def test_rounds_alternate_the_order_and_every_block_is_kept(monkeypatch):
    monkeypatch.setattr(timing, "BLOCK_SECONDS", 0.0)  # one call per block: the log is the order
    log = []
    result = time_steps(_recording_steps(["a", "b", "c"], log), rounds=4)
    timed = log[6:]  # two calls each for the warm-up and the block-size probe
    assert timed == ["a", "b", "c", "c", "b", "a", "a", "b", "c", "c", "b", "a"]
    assert all(len(stats["blocks_us"]) == 4 == stats["samples"] for stats in result.values())


def test_whole_runs_get_no_warm_up_and_one_call_per_block():
    log = []
    result = time_steps(_recording_steps(["a", "b"], log), rounds=3, probe=False)
    assert log == ["a", "b", "b", "a", "a", "b"]
    assert result["a"]["samples"] == 3


def test_settle_pause_only_where_the_library_changes(monkeypatch):
    monkeypatch.setattr(timing, "BLOCK_SECONDS", 0.0)
    log = []
    monkeypatch.setattr(timing.time, "sleep", lambda s: log.append(f"sleep {s}"))
    library = {"h": "numpy", "m": "numpy", "t": "torch"}
    time_steps(_recording_steps(["h", "m", "t"], log), rounds=2, library=library, settle=0.25)
    assert log[6:] == ["sleep 0.25", "h", "m", "sleep 0.25", "t", "t", "sleep 0.25", "m", "h"]


def test_no_pause_without_settle(monkeypatch):
    monkeypatch.setattr(timing, "BLOCK_SECONDS", 0.0)
    monkeypatch.setattr(timing.time, "sleep", lambda s: pytest.fail("slept without a settle time"))
    time_steps(_recording_steps(["h", "t"], []), rounds=3, library={"h": "numpy", "t": "torch"})


def test_paired_ratio_pairs_blocks_of_the_same_round():
    # The machine runs at half speed in round 2: both sides slow down, the paired ratio does not move.
    fast_then_slow_a = stats_us([1.1, 2.2, 1.1])
    fast_then_slow_b = stats_us([1.0, 2.0, 1.0])
    assert paired_ratio(fast_then_slow_a, fast_then_slow_b) == pytest.approx(1.1)
    # Ratios of medians would be fooled by a slow minute that hits one side's blocks only.
    a, b = stats_us([1.0, 2.0, 2.0]), stats_us([1.0, 1.0, 2.0])
    assert paired_ratio(a, b) == pytest.approx(1.0)
    assert a["median_us"] / b["median_us"] == pytest.approx(2.0)


def test_paired_ratio_needs_equal_rounds():
    with pytest.raises(ValueError, match="same rounds"):
        paired_ratio(stats_us([1.0, 2.0]), stats_us([1.0]))


@pytest.mark.parametrize("threads, cpus, expected", [(1, 2, 0.0), (2, 2, timing.SETTLE_SECONDS),
                                                     (None, 2, timing.SETTLE_SECONDS), (None, 1, 0.0)])
def test_settle_only_when_threads_can_spin(monkeypatch, threads, cpus, expected):
    monkeypatch.setattr(timing.os, "cpu_count", lambda: cpus)
    assert settle_seconds(threads) == expected


def test_bench_summary_uses_paired_ratios_and_the_flop_ratio():
    from compare.bench.runner import summarize_bench

    step = {"handmade": stats_us([2.0, 4.0, 2.0]), "torch": stats_us([1.0, 4.0, 2.0]),
            "sklearn": stats_us([4.0, 8.0, 4.0])}
    entry = {"step": step, "matmul_us": {"matmul_numpy": stats_us([0.5, 1.0, 0.5]),
                                         "matmul_torch": stats_us([0.25, 1.0, 0.4])},
             "gflops": {"step_flops": 6.0, "matmul_flops": 1.0}}
    summary = summarize_bench({"sizes": {"large": {"float32": entry}}}, records=[])
    row = summary["sizes"]["large"]["float32"]
    assert row["handmade_over_torch"] == pytest.approx(1.0)   # pairs 2/1, 4/4, 2/2
    assert row["handmade_over_sklearn"] == pytest.approx(0.5)
    # (6 flops / handmade time) / (1 flop / matmul time) = 6 * 0.25 = 1.5 in every round
    assert row["matmul_fraction"] == pytest.approx(1.5)
    assert row["numpy_matmul_over_torch"] == pytest.approx(1.25)  # pairs 2, 1, 1.25
    targets = summary["targets"]
    assert targets["large_vs_torch"]["met"] and targets["large_matmul_fraction"]["met"]
    assert targets["tiny_vs_torch"]["met"] is None  # not measured is not "met"
