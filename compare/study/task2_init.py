"""Task 2: which initialisation of the 30-16-3 ReLU network is best? Schemes x seeds x learning rates.

Every scheme runs ``init_seeds`` seeds at the study's rate ``cfg.lr`` (the main
comparison) and the first ``grid_seeds`` of them at every other rate of
``INIT_RATES`` (the rate x scheme grid): all on the handmade side, in one
batched call per rate (``pairs.train_many``: the networks share their shape and
differ only in their initial parameters). The first ``init_torch_seeds`` runs of
every cell also run on the torch side and each pair gets the harness's
trajectory verdict (``pairs.parity``); at the main rate each scheme's first run
and the last run are retrained alone to prove the batched path
(``pairs.check_batched``). Runs off the main rate stop once they reach the
threshold (nothing after that is read); main-rate runs go the whole budget, for
the loss-curve bands.

Per run (``compare.study.outcomes``): epochs to the threshold (``budget + 1`` if
never, ranked last), its outcome, dead and distinct hidden units at the end; per
(scheme, seed) at the start: dead units, distinct units, ||dL/d(W0, b0)||.
Per cell: reach share with its Wilson interval, median epochs with its bootstrap
interval, outcome counts, the first step ``lr x median ||dL/d(W0, b0)||``.
Per rate: the verdict of ``separation.separate`` over the schemes.
"""

from __future__ import annotations

import numpy as np

from compare.study import outcomes as oc
from compare.study.config import INIT_RATES, INIT_SCHEMES
from compare.study.pairs import check_batched, parity, train_many
from compare.study.separation import separate
from compare.study.task1 import SPEC
from handmade.contract.keys import layer_grad_norms, layer_keys
from handmade.contract.plan import TrainPlan
from handmade.data import letters
from handmade.fast.batched import BatchedMLP, split_blocks

CURVE_QUANTILES = (0.1, 0.9)


def rate_key(lr: float) -> str:
    """A learning rate as a JSON key and in record names: 0.1 -> "0.1"."""
    return f"{lr:g}"


def padded(curves: list[np.ndarray], epochs: int) -> np.ndarray:
    """(runs, epochs) with NaN after a run stopped early (diverged), for nan-quantiles."""
    out = np.full((len(curves), epochs), np.nan)
    for i, c in enumerate(curves):
        out[i, :len(c)] = c
    return out


def start_measures(specs: list, X, Y) -> dict:
    """Measures of one scheme's initial parameters (the same at every rate): one batched forward and
    backward pass (``handmade.fast.batched.BatchedMLP``), ||dL/d(W0, b0)|| per network by
    ``layer_grad_norms``; dead and distinct first-layer units per network."""
    model = BatchedMLP(specs)
    model.forward(X)
    losses, ds = model.losses_and_grad(Y)
    n_layers = specs[0].n_layers
    grad = layer_grad_norms(split_blocks(model.backward(ds), layer_keys(n_layers)), n_layers)[:, 0]
    members = [model.member_params(k) for k in range(len(specs))]
    return {"grad_norm": float(np.median(grad)), "grad_norm_q10": float(np.quantile(grad, 0.1)),
            "grad_norm_q90": float(np.quantile(grad, 0.9)), "initial_loss": float(np.median(losses)),
            "dead": float(np.mean([oc.dead_share(p, X) for p in members])),
            "distinct": float(np.median([oc.distinct_units(p) for p in members]))}


def cell_summary(key: str, lr: float, histories: list, verdict: dict, start: dict, cfg, X) -> dict:
    """One (scheme, rate) cell: reach, epochs, outcomes, how failed runs ended, the first step."""
    group = verdict["groups"][key]
    return {"lr": lr, "scheme": key, **oc.summarize_runs(histories, cfg.threshold, cfg.init_epochs, X),
            "median_epochs": group["median"], "median_epochs_ci": group["median_ci"],
            "mean_rank": group["mean_rank"], "first_step": lr * start["grad_norm"]}


def curve_bands(histories: list, epochs: int) -> dict:
    curves = padded([h.loss for h in histories], epochs)
    lo, hi = CURVE_QUANTILES
    return {"median": np.nanmedian(curves, axis=0), "q10": np.nanquantile(curves, lo, axis=0),
            "q90": np.nanquantile(curves, hi, axis=0)}


def batched_check_members(n_schemes: int, seeds: int) -> list[int]:
    """Which members of the main rate's handmade stack are retrained alone: each scheme's first, and the last."""
    firsts = [s * seeds for s in range(n_schemes)]
    last = n_schemes * seeds - 1
    return firsts + ([last] if last not in firsts else [])


def torch_parity(lr: float, groups: list[list], hand: list[list], cfg, X, Y, plan) -> tuple[list, dict]:
    """The first ``init_torch_seeds`` runs of every scheme at this rate on the torch side, each pair judged."""
    m = min(cfg.init_torch_seeds, len(groups[0]))
    ref = train_many([spec for group in groups for spec in group[:m]], X, Y, plan, "torch")
    records, per_scheme = [], {}
    for s, ((key, _), group) in enumerate(zip(INIT_SCHEMES, groups)):
        recs = [parity(f"task2 lr={rate_key(lr)} {spec.init} seed {spec.seed} loss curve", spec, plan, mine,
                       theirs, X, Y) for spec, mine, theirs in zip(group[:m], hand[s][:m], ref[s * m:(s + 1) * m])]
        records += recs
        per_scheme[key] = {"torch_runs": len(recs), "parity_failed": sum(not r.passed for r in recs),
                           "worst_rel_diff": max((r.max_rel_diff for r in recs), default=0.0)}
    return records, per_scheme


def run_rate(lr: float, specs_by_scheme: list[list], starts: dict, cfg, X, Y) -> tuple[dict, list]:
    """Every scheme at one rate: trained, compared with torch, summarised, and the verdict.

    ``starts``: {scheme: start measures}.
    """
    main = lr == cfg.lr
    n = cfg.init_seeds if main else cfg.grid_seeds
    groups = [group[:n] for group in specs_by_scheme]
    plan = TrainPlan(lr=lr, epochs=cfg.init_epochs, stop_loss=None if main else cfg.threshold)
    flat = train_many([spec for group in groups for spec in group], X, Y, plan, "handmade")
    hand = [flat[s * n:(s + 1) * n] for s in range(len(groups))]
    records, torch_cells = torch_parity(lr, groups, hand, cfg, X, Y, plan)
    ranked = {key: [oc.ranked_epochs(h.loss, cfg.threshold, cfg.init_epochs) for h in hand[s]]
              for s, (key, _) in enumerate(INIT_SCHEMES)}
    verdict = {"lr": lr, **separate(ranked, seed=cfg.first_seed + INIT_RATES.index(lr) * 100)}
    cells = [{**cell_summary(key, lr, hand[s], verdict, starts[key], cfg, X), **torch_cells[key]}
             for s, (key, _) in enumerate(INIT_SCHEMES)]
    out = {"plan": plan.to_dict(), "cells": cells, "verdict": verdict}
    if main:
        out["curves"] = {key: curve_bands(hand[s], cfg.init_epochs) for s, (key, _) in enumerate(INIT_SCHEMES)}
        specs = [spec for group in groups for spec in group]
        batched_records, batched = check_batched("task2 batched vs alone", specs, flat,
                                                 batched_check_members(len(groups), n), X, Y, plan)
        batched.update(handmade_members=len(specs), torch_members=sum(c["torch_runs"] for c in torch_cells.values()))
        out["batched"] = batched
        records += batched_records
    return out, records


def run(cfg, tick) -> tuple[dict, list]:
    X, Y = letters()
    specs_by_scheme = [[SPEC.replace(init=init, seed=cfg.first_seed + k) for k in range(cfg.init_seeds)]
                       for _, init in INIT_SCHEMES]
    starts = {key: start_measures(group, X, Y) for (key, _), group in zip(INIT_SCHEMES, specs_by_scheme)}
    tick("task 2: initial parameters measured")
    cells, verdicts, records, main = [], [], [], None
    for lr in INIT_RATES:
        out, recs = run_rate(lr, specs_by_scheme, starts, cfg, X, Y)
        cells += out["cells"]
        verdicts.append(out["verdict"])
        records += recs
        if lr == cfg.lr:
            main = out
        tick(f"task 2: lr {rate_key(lr)}")
    return {"threshold": cfg.threshold, "budget": cfg.init_epochs, "main_lr": cfg.lr, "rates": list(INIT_RATES),
            "seeds": cfg.init_seeds, "grid_seeds": cfg.grid_seeds, "torch_seeds": cfg.init_torch_seeds,
            "first_seed": cfg.first_seed, "plan": main["plan"],
            "schemes": [{"key": key, "init": init, "start": starts[key]} for key, init in INIT_SCHEMES],
            "cells": sorted(cells, key=lambda c: INIT_RATES.index(c["lr"])),
            "verdicts": sorted(verdicts, key=lambda v: INIT_RATES.index(v["lr"])),
            "curves": main["curves"], "batched": main["batched"]}, records


def cell(res: dict, key: str, lr: float) -> dict:
    """The summary of scheme ``key`` at rate ``lr``."""
    return next(c for c in res["cells"] if c["scheme"] == key and c["lr"] == lr)


def verdict_at(res: dict, lr: float) -> dict:
    return next(v for v in res["verdicts"] if v["lr"] == lr)
