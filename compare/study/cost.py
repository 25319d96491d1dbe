"""Is ReLU really 4-6x cheaper than sigmoid? Measured over array sizes, with the method stated.

Method. z = ``n`` standard-normal float64 numbers, n from cache-resident to past
the L2 cache (``COST_SIZES``: 8 KB ... 8 MB per array). Three statements per
activation, each timed as written (so a plain ``timeit`` of the same statement
gives the same ratio, up to the machine's noise):

* ``numpy f``: ``handmade.activations.Activation(name)(z)``, the forward value;
* ``numpy f+f'``: ``act.grad(z, act(z))``, what one training step computes;
* ``torch f``: ``torch.relu(z)`` / ``torch.sigmoid(z)`` (the ``torch_activation``
  module under ``no_grad``), one thread.

Timing: ``compare.measure.timing.time_steps`` - blocks of ~20 ms of repeated calls,
one block per statement per round, rounds taking turns (order reversed every
other round); the sigmoid/ReLU ratio of a round pairs its two blocks, and the
ratio reported is the median over ``cost_rounds`` rounds with its min and max
(``paired_ratio``). Wall-clock numbers: they live under ``timings`` in results.json.
The other half of the answer, epochs to the threshold per activation, is task 3's.
"""

from __future__ import annotations

import numpy as np
import torch

from compare.measure.timing import paired_ratio, time_steps
from compare.study.blocks import Figure, Heading, Para, Table, interval, num
from compare.study.config import COST_ACTIVATIONS
from compare.study.i18n import quantity, t
from handmade.activations import Activation
from torch_ref import torch_activation

KINDS = ("numpy_f", "numpy_ff", "torch_f")
CLAIM = (4.0, 6.0)  # the lesson's "ReLU is 4-6x cheaper than sigmoid"


def statements(z: np.ndarray) -> dict:
    """{(kind, activation): zero-argument function} for one array z."""
    zt = torch.from_numpy(z)
    fns = {}
    for name in COST_ACTIVATIONS:
        act, module = Activation(name), torch_activation(name)

        def f(act=act):
            act(z)

        def ff(act=act):
            act.grad(z, act(z))

        def torch_f(module=module):
            with torch.no_grad():
                module(zt)

        fns["numpy_f", name], fns["numpy_ff", name], fns["torch_f", name] = f, ff, torch_f
    return fns


def run(cfg, tick) -> tuple[dict, dict]:
    """(deterministic description, timings {kind: [one row per size]})."""
    rng = np.random.default_rng(cfg.first_seed)
    timings = {kind: [] for kind in KINDS}
    for n in cfg.cost_sizes:
        stats = time_steps(statements(rng.standard_normal(n)), cfg.cost_rounds)
        for kind in KINDS:
            relu, sigmoid = stats[kind, "relu"], stats[kind, "sigmoid"]
            ratios = [s / r for s, r in zip(sigmoid["blocks_us"], relu["blocks_us"])]
            timings[kind].append({"n": n, "relu_us": relu["median_us"], "sigmoid_us": sigmoid["median_us"],
                                  "ratio": paired_ratio(sigmoid, relu), "ratio_min": min(ratios),
                                  "ratio_max": max(ratios)})
    tick("theory: activation cost")
    return {"sizes": list(cfg.cost_sizes), "rounds": cfg.cost_rounds, "dtype": "float64", "kinds": list(KINDS),
            "activations": list(COST_ACTIVATIONS)}, timings


def size_label(n: int) -> str:
    """1000 -> "1e3"."""
    return f"1e{int(np.log10(n))}" if n > 0 and 10 ** int(np.log10(n)) == n else str(n)


def verdict(ratio: float) -> str:
    lo, hi = CLAIM
    return "within" if lo <= ratio <= hi else ("above" if ratio > hi else "below")


def conclude(timings: dict, epochs: dict, lang: str) -> list[str]:
    """Per statement: where the measured ratio is within, above or below 4-6x; then the epochs."""
    lines = []
    for kind in KINDS:
        rows = timings[kind]
        groups = {v: [size_label(r["n"]) for r in rows if verdict(r["ratio"]) == v] for v in ("within", "above",
                                                                                             "below")}
        where = "; ".join(t(f"cost.{v}", lang, sizes=", ".join(sizes)) for v, sizes in groups.items() if sizes)
        ratios = ", ".join(f"{num(r['ratio'], lang)} ({size_label(r['n'])})" for r in rows)
        lines.append(t("cost.kind_line", lang, kind=t(f"cost.kind.{kind}", lang), ratios=ratios, where=where))
    es, er = epochs.get("sigmoid"), epochs.get("relu")
    if es is not None and er is not None:
        lines.append(t("cost.epochs", lang, es=quantity(es, "epoch", lang), er=quantity(er, "epoch", lang),
                       ratio=quantity(float(f"{es / er:.3g}"), "times", lang)))
    return lines


def blocks(desc: dict, timings: dict, epochs: dict, lang: str, figures: dict) -> list:
    rows = [[t(f"cost.kind.{kind}", lang), size_label(r["n"]), num(r["relu_us"], lang), num(r["sigmoid_us"], lang),
             num(r["ratio"], lang), interval(r["ratio_min"], r["ratio_max"], lang)]
            for kind in KINDS for r in timings[kind]]
    return [
        Heading(3, t("cost.title", lang)),
        Para(t("cost.method", lang, sizes=", ".join(size_label(n) for n in desc["sizes"]), rounds=desc["rounds"])),
        Table([t(k, lang) for k in ("col.statement", "col.n", "col.relu_us", "col.sigmoid_us", "col.ratio",
                                    "col.ratio_range")], rows),
        Figure(figures["theory_cost"], t("fig.theory_cost", lang)),
        *[Para(line) for line in conclude(timings, epochs, lang)],
    ]
