"""Is ReLU really 4-6x cheaper than sigmoid? Measured, not quoted.

Per activation, the time of the forward value and its derivative,
``a = f(z); d = f'(z, a)``, on one float64 array of ``cost_elements`` standard
normal numbers: handmade NumPy, and torch (module forward + autograd backward
of ``sum``). The median of ``cost_repeats`` rounds (``compare.measure.timing``). These are
wall-clock numbers on a shared machine, so they live under ``timings`` in
results.json (not part of the deterministic results). The other half of the
answer, epochs to converge per activation, comes from task 3.
"""

from __future__ import annotations

import numpy as np
import torch

from compare.measure.timing import paired_ratio, time_steps
from compare.study.blocks import Figure, Heading, Para, Table, num
from compare.study.config import COST_ACTIVATIONS
from compare.study.i18n import t
from handmade.activations import Activation
from torch_ref import torch_activation


def run(cfg, tick) -> tuple[dict, dict]:
    """(deterministic description, timings)."""
    z = np.random.default_rng(cfg.seed).standard_normal(cfg.cost_elements)
    zt = torch.from_numpy(z)
    fns = {}
    for name in COST_ACTIVATIONS:
        act = Activation(name)
        module = torch_activation(name)

        def handmade_once(act=act):
            act.grad(z, act(z))

        def torch_once(module=module):
            x = zt.detach().requires_grad_(True)
            module(x).sum().backward()

        fns[(name, "handmade")], fns[(name, "torch")] = handmade_once, torch_once
    # Rounds take turns over every function, so a burst of load from another process hits every
    # activation alike; each ratio to ReLU pairs the two blocks of the same round (compare.measure.timing).
    stats = time_steps(fns, cfg.cost_repeats)
    timings = {name: {} for name in COST_ACTIVATIONS}
    for name in COST_ACTIVATIONS:
        for side in ("handmade", "torch"):
            timings[name][f"{side}_ms"] = 1e-3 * stats[(name, side)]["median_us"]
            timings[name][f"{side}_vs_relu"] = paired_ratio(stats[(name, side)], stats[("relu", side)])
    tick("theory: activation cost")
    return {"elements": cfg.cost_elements, "repeats": cfg.cost_repeats, "activations": list(COST_ACTIVATIONS)}, timings


def conclude(timings: dict, task3: dict, lang: str) -> list[str]:
    """Compare the measured sigmoid/relu ratio with the lesson's 4-6x, then weigh in epochs to converge."""
    lines = []
    for side in ("handmade", "torch"):
        ratio = timings["sigmoid"][f"{side}_vs_relu"]
        verdict = "cost.within" if 4 <= ratio <= 6 else ("cost.above" if ratio > 6 else "cost.below")
        lines.append(t("cost.ratio", lang, side=t(f"side.{side}", lang), ratio=num(ratio))
                     + " " + t(verdict, lang))
    by = {r["activation"]: r for r in task3["activations"]}
    if "sigmoid" in by and "relu" in by:
        es, er = by["sigmoid"]["epochs_to_threshold_handmade"], by["relu"]["epochs_to_threshold_handmade"]
        if es and er:
            lines.append(t("cost.epochs", lang, es=es, er=er, ratio=num(es / er)))
            per_epoch = timings["sigmoid"]["handmade_vs_relu"]
            lines.append(t("cost.combined", lang, combined=num(per_epoch * es / er), ratio=num(per_epoch),
                           epochs=num(es / er))
                         + " " + t("cost.epochs_weigh_more" if es / er > per_epoch else "cost.element_weighs_more",
                                   lang))
        else:
            lines.append(t("cost.epochs_missing", lang, es=num(es), er=num(er), epochs=task3["epochs"]))
    return lines


def blocks(desc: dict, timings: dict, task3: dict, lang: str, figures: dict) -> list:
    epochs = {r["activation"]: r["epochs_to_threshold_handmade"] for r in task3["activations"]}
    rows = [[name, num(timings[name]["handmade_ms"]), num(timings[name]["handmade_vs_relu"]),
             num(timings[name]["torch_ms"]), num(timings[name]["torch_vs_relu"]), num(epochs.get(name))]
            for name in desc["activations"]]
    return [
        Heading(3, t("cost.title", lang)),
        Para(t("cost.setup", lang, n=desc["elements"], repeats=desc["repeats"])),
        Table([t(k, lang) for k in ("col.activation", "col.ms_h", "col.vs_relu", "col.ms_t", "col.vs_relu",
                                    "col.epochs_thr")], rows),
        Figure(figures["theory_cost"], t("fig.theory_cost", lang)),
        *[Para(line) for line in conclude(timings, task3, lang)],
    ]
