"""Timing implementations side by side: blocks that take turns, paired ratios, a settle pause.

Every implementation (a zero-argument ``step`` function) runs in blocks of
~``BLOCK_SECONDS``; one *round* runs one block of each, and the bench runs
several rounds. Three choices keep the comparison fair on a shared, noisy
machine (measured on the project's 2-core VM):

* **Paired ratios.** The machine's speed drifts: the same 784-1024-1024-10
  float32 step took 40-45 ms in some processes and 58-62 ms in others, minutes
  apart, for NumPy and torch alike. A ratio of two medians taken over
  different blocks mixes fast and slow minutes; two blocks of the *same round*
  (~0.1 s apart) see the same speed. ``paired_ratio`` is the median over
  rounds of time_a[r] / time_b[r].
* **Alternating order.** Even rounds run the steps in the given order, odd
  rounds in reverse, so no implementation always follows the same neighbour.
* **Settle pause.** With more than one thread, each library keeps its idle
  worker threads spinning for a while after a parallel call (OpenBLAS ~0.1 s by
  default), and those spinning threads hold the cores the other library then
  needs: a 2-thread torch step right after a 2-thread NumPy step took 111 ms,
  and 36 ms after a 0.2 s pause. So, before a block whose library differs from
  the previous block's, the timer sleeps ``SETTLE_SECONDS`` (not timed).
"""

from __future__ import annotations

import os
import statistics
import time

BLOCK_SECONDS = 0.02    # one timed block; shorter blocks see more timer and scheduler noise
SETTLE_SECONDS = 0.25   # > OpenBLAS's default spin time (2^28 cycles, ~0.1 s), measured enough above


def settle_seconds(threads: int | None) -> float:
    """The pause between blocks of different libraries: SETTLE_SECONDS when threads can spin, else 0.

    ``threads``: the BLAS/torch thread count of the run, None for the libraries' default (one per core).
    """
    effective = (os.cpu_count() or 1) if threads is None else threads
    return SETTLE_SECONDS if effective > 1 else 0.0


def stats_us(samples: list[float]) -> dict:
    """Per-step seconds of each block -> microseconds: median, min, max and the blocks in round order."""
    us = [s * 1e6 for s in samples]
    return {"median_us": statistics.median(us), "min_us": min(us), "max_us": max(us), "samples": len(us),
            "blocks_us": us}


def time_steps(steps: dict, rounds: int, library: dict | None = None, settle: float = 0.0,
               probe: bool = True) -> dict:
    """Per-step times of each step function, taking turns block by block; ``{name: stats_us(...)}``.

    ``library``: name -> the library it runs on (e.g. "numpy", "torch"); with ``settle`` > 0 the
    timer sleeps that long before a block whose library differs from the previous block's.
    ``probe=False``: no warm-up calls and one call per block (whole training runs, which
    build their own network and last far longer than a block).
    """
    library = library or {}
    per_block = dict.fromkeys(steps, 1)
    if probe:
        for name, step in steps.items():
            step()  # warm-up: caches, lazy imports, first allocations
            start = time.perf_counter()
            step()
            one = max(time.perf_counter() - start, 1e-7)
            per_block[name] = max(1, int(BLOCK_SECONDS / one))
    samples = {name: [] for name in steps}
    previous = None
    for r in range(rounds):
        order = list(steps) if r % 2 == 0 else list(reversed(steps))
        for name in order:
            if settle and library.get(name) != previous:
                time.sleep(settle)
            previous = library.get(name)
            step, n = steps[name], per_block[name]
            start = time.perf_counter()
            for _ in range(n):
                step()
            samples[name].append((time.perf_counter() - start) / n)
    return {name: stats_us(s) for name, s in samples.items()}


def paired_ratio(a: dict, b: dict) -> float:
    """Median over rounds of a's block time / b's block time in the same round (``stats_us`` dicts)."""
    if len(a["blocks_us"]) != len(b["blocks_us"]):
        raise ValueError(f"paired_ratio needs the same rounds on both sides, got {len(a['blocks_us'])} "
                         f"and {len(b['blocks_us'])}")
    return statistics.median(x / y for x, y in zip(a["blocks_us"], b["blocks_us"]))
