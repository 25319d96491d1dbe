"""Task 2: which initialisation of the 30-16-3 ReLU network is best? Many schemes x many seeds.

Per run (handmade side; the first ``init_torch_seeds`` seeds of every scheme
also on the torch side, their loss curves compared epoch by epoch):

* final loss, and the first epoch whose loss <= ``threshold``;
* dead share at the start: hidden units j with z_j = x W0[j]^T + b0[j] <= 0
  for *every* letter x. ReLU gives them output 0 and gradient 0 on the whole
  batch, so neither W0[j] nor the output weights fed by them can move;
* the same share at the end, and how many hidden units are distinct at the
  end (rows of [W0 | b0] that differ): 1 means the units never broke symmetry;
* ||(dW0, db0)||_2 at the start: how hard the first layer is pushed.

Every scheme x seed is trained in one batched call per side (``pairs.train_many``:
the networks share their shape and differ only in their initial parameters);
each scheme's first seed and the last member are retrained alone with
``handmade.train`` to prove the batched path (``pairs.check_batched``).

Per scheme, the per-epoch median and 10%/90% quantiles of the loss curves.
Criterion for "best", stated in the report: most runs reaching the threshold,
then fewest median epochs to reach it, then lowest median final loss.
"""

from __future__ import annotations

import math

import numpy as np

from compare.study.blocks import Figure, Heading, Para, Table, num, pct
from compare.study.config import INIT_SCHEMES
from compare.study.i18n import t
from compare.study.pairs import check_batched, compare_histories, epochs_to, train_many
from compare.study.task1 import SPEC
from handmade.contract.plan import TrainPlan
from handmade.contract.spec import MLPSpec
from handmade.data import letters
from handmade.model import MLP


def dead_share(params: dict, X: np.ndarray) -> float:
    """Share of hidden units with pre-activation <= 0 on every row of X (dead for the whole batch)."""
    z = X @ params["layers.0.weight"].T + params["layers.0.bias"]
    return float(np.mean(np.all(z <= 0, axis=0)))


def distinct_units(params: dict) -> int:
    """How many hidden units differ (distinct rows of [W0 | b0])."""
    rows = np.hstack([params["layers.0.weight"], params["layers.0.bias"][:, None]])
    return int(len(np.unique(rows, axis=0)))


def first_layer_grad_norm(spec: MLPSpec, params: dict, X: np.ndarray, Y: np.ndarray) -> float:
    net = MLP(spec, params)
    net.forward(X)
    g = net.backward(Y).params
    return math.sqrt(float(np.vdot(g["layers.0.weight"], g["layers.0.weight"]))
                     + float(np.vdot(g["layers.0.bias"], g["layers.0.bias"])))


def padded(curves: list[np.ndarray], epochs: int) -> np.ndarray:
    """(runs, epochs) with NaN after a run stopped early (diverged), for nan-quantiles."""
    out = np.full((len(curves), epochs), np.nan)
    for i, c in enumerate(curves):
        out[i, :len(c)] = c
    return out


def run_scheme(name: str, specs: list[MLPSpec], hand: list, ref: list, cfg, X, Y,  # noqa: PLR0913 - a scheme's
               plan) -> tuple[dict, list]:  # runs on both sides, and the task's config, data and plan
    """One scheme's summary from its trained runs: ``hand`` for every spec, ``ref`` (torch) for the first ones."""
    records, diffs = [], []
    for spec, mine, theirs in zip(specs, hand, ref):
        record, diff = compare_histories(f"task2 {spec.init} seed {spec.seed} loss curve", mine, theirs, spec.dtype)
        records.append(record)
        diffs.append(float(np.nanmax(diff)) if diff.size else 0.0)
    runs = []
    for spec, h in zip(specs, hand):
        init_params = spec.init_params()
        runs.append({
            "seed": spec.seed, "initial_loss": float(h.loss[0]), "final_loss": float(h.loss[-1]),
            "epochs_to_threshold": epochs_to(h.loss, cfg.threshold),
            "dead_start": dead_share(init_params, X), "dead_end": dead_share(h.final_params, X),
            "distinct_units_start": distinct_units(init_params),
            "distinct_units_end": distinct_units(h.final_params),
            "grad_norm_start": first_layer_grad_norm(spec, init_params, X, Y),
        })
    curves = padded([h.loss for h in hand], plan.epochs)
    reached = [r["epochs_to_threshold"] for r in runs if r["epochs_to_threshold"] is not None]
    result = {
        "name": name, "init": specs[0].init, "runs": runs,
        "median_final_loss": float(np.median([r["final_loss"] for r in runs])),
        "worst_final_loss": float(np.max([r["final_loss"] for r in runs])),
        "reach_share": len(reached) / len(runs),
        "median_epochs_to_threshold": float(np.median(reached)) if reached else None,
        "dead_start": float(np.mean([r["dead_start"] for r in runs])),
        "dead_end": float(np.mean([r["dead_end"] for r in runs])),
        "distinct_units_start": float(np.median([r["distinct_units_start"] for r in runs])),
        "distinct_units_end": float(np.median([r["distinct_units_end"] for r in runs])),
        "grad_norm_start": float(np.median([r["grad_norm_start"] for r in runs])),
        "initial_loss": float(np.median([r["initial_loss"] for r in runs])),
        "curve_median": np.nanmedian(curves, axis=0),
        "curve_q10": np.nanquantile(curves, 0.1, axis=0),
        "curve_q90": np.nanquantile(curves, 0.9, axis=0),
        "torch_runs": len(ref),
        "worst_rel_diff": max((r.max_rel_diff for r in records), default=0.0),
        "worst_abs_diff": max(diffs, default=0.0),
        "parity_failed": sum(not r.passed for r in records),
    }
    return result, records


def rank_key(s: dict) -> tuple:
    """The stated criterion: reach share (higher first), median epochs, median final loss (lower first)."""
    epochs = s["median_epochs_to_threshold"]
    return (-s["reach_share"], math.inf if epochs is None else epochs, s["median_final_loss"])


def batched_check_members(cfg) -> list[int]:
    """Which members of the handmade stack are retrained alone: each scheme's first seed, and the last member."""
    firsts = [s * cfg.init_seeds for s in range(len(INIT_SCHEMES))]
    last = len(INIT_SCHEMES) * cfg.init_seeds - 1
    return firsts + ([last] if last not in firsts else [])


def run(cfg, tick) -> tuple[dict, list]:
    """Every scheme x seed in one batched run per side (they differ only in their initial parameters)."""
    X, Y = letters()
    plan = TrainPlan(optimizer="sgd", lr=cfg.lr, epochs=cfg.init_epochs)
    torch_seeds = min(cfg.init_torch_seeds, cfg.init_seeds)
    by_scheme = [[SPEC.replace(init=init, seed=cfg.seed + k) for k in range(cfg.init_seeds)]
                 for _, init in INIT_SCHEMES]
    specs = [spec for group in by_scheme for spec in group]
    hand = train_many(specs, X, Y, plan, "handmade")
    tick(f"task 2: {len(specs)} handmade networks (batched)")
    torch_specs = [spec for group in by_scheme for spec in group[:torch_seeds]]
    ref = train_many(torch_specs, X, Y, plan, "torch")
    tick(f"task 2: {len(torch_specs)} torch networks (batched)")
    batched_records, batched = check_batched("task2 batched vs alone", specs, hand, batched_check_members(cfg),
                                             X, Y, plan)
    batched.update(handmade_members=len(specs), torch_members=len(torch_specs))
    tick("task 2: batched vs separate runs")
    schemes, records = [], []
    for s, (name, _) in enumerate(INIT_SCHEMES):
        n, m = s * cfg.init_seeds, s * torch_seeds
        result, recs = run_scheme(name, by_scheme[s], hand[n:n + cfg.init_seeds], ref[m:m + torch_seeds], cfg,
                                  X, Y, plan)
        schemes.append(result)
        records += recs
        tick(f"task 2: {name}")
    order = ranking(schemes)
    return {"plan": plan.to_dict(), "threshold": cfg.threshold, "seeds": cfg.init_seeds,
            "torch_seeds": torch_seeds, "batched": batched,
            "schemes": schemes, "ranking": order, "best": order[0]}, records + batched_records


def loser_reasons(s: dict, best: dict) -> list[tuple[str, dict]]:
    """Why scheme ``s`` did worse than ``best``: (i18n key, values) pairs, each backed by a number."""
    reasons = []
    if s["dead_start"] >= 0.999:
        reasons.append(("t2.why_dead_start", {"dead": pct(s["dead_start"])}))
    if s["distinct_units_end"] <= 1:
        reasons.append(("t2.why_symmetry", {"start": num(s["distinct_units_start"]),
                                            "distinct": num(s["distinct_units_end"])}))
    if s["dead_end"] >= 0.9 and s["dead_end"] >= s["dead_start"] + 0.3:
        reasons.append(("t2.why_died", {"dead0": pct(s["dead_start"]), "dead1": pct(s["dead_end"]),
                                         "grad": num(s["grad_norm_start"]),
                                         "grad_best": num(best["grad_norm_start"]), "loss0": num(s["initial_loss"]),
                                         "loss": num(s["median_final_loss"])}))
    if s["grad_norm_start"] < 0.1 * best["grad_norm_start"] and s["dead_start"] < 0.999:
        reasons.append(("t2.why_small", {"grad": num(s["grad_norm_start"]),
                                         "grad_best": num(best["grad_norm_start"])}))
    if not reasons and s["reach_share"] < 1:
        reasons.append(("t2.why_some_fail", {"share": pct(s["reach_share"]), "dead_end": pct(s["dead_end"])}))
    if s["median_epochs_to_threshold"] is not None and best["median_epochs_to_threshold"]:
        ratio = s["median_epochs_to_threshold"] / best["median_epochs_to_threshold"]
        if ratio >= 1.5:
            reasons.append(("t2.why_slow", {"epochs": num(s["median_epochs_to_threshold"]),
                                            "best": num(best["median_epochs_to_threshold"]), "ratio": num(ratio)}))
    return reasons


def ranking(schemes: list[dict]) -> list[str]:
    """Scheme names, best first, by :func:`rank_key`."""
    return [s["name"] for s in sorted(schemes, key=rank_key)]


def losers(schemes: list[dict], best: dict) -> list[dict]:
    """Schemes that failed some runs or needed >= 1.5x the best's epochs."""
    out = []
    for s in schemes:
        if s is best:
            continue
        slow = (s["median_epochs_to_threshold"] is not None and best["median_epochs_to_threshold"]
                and s["median_epochs_to_threshold"] >= 1.5 * best["median_epochs_to_threshold"])
        if s["reach_share"] < 1 or slow:
            out.append(s)
    return out


def scheme(res: dict, name: str) -> dict:
    return next(s for s in res["schemes"] if s["name"] == name)


def conclude(res: dict, lang: str) -> list[str]:
    order = ranking(res["schemes"])  # from the numbers, not from the stored verdict
    best = scheme(res, order[0])
    runner_up = scheme(res, order[1]) if len(order) > 1 else None
    lines = [t("t2.criterion", lang, threshold=num(res["threshold"]), epochs=res["plan"]["epochs"])]
    lines.append(t("t2.best", lang, name=best["name"], share=pct(best["reach_share"]),
                   epochs=num(best["median_epochs_to_threshold"]), loss=num(best["median_final_loss"]),
                   seeds=res["seeds"]))
    if runner_up is not None:
        lines.append(t("t2.runner_up", lang, name=runner_up["name"], share=pct(runner_up["reach_share"]),
                       epochs=num(runner_up["median_epochs_to_threshold"])))
    for s in losers(res["schemes"], best):
        why = "; ".join(t(key, lang, **values) for key, values in loser_reasons(s, best))
        lines.append(t("t2.loser", lang, name=s["name"], share=pct(s["reach_share"]),
                       loss=num(s["median_final_loss"]), why=why or t("t2.why_none", lang)))
    return lines


def blocks(res: dict, lang: str, figures: dict) -> list:
    headers = [t(k, lang) for k in ("col.scheme", "col.init", "col.loss_median", "col.loss_worst", "col.reached",
                                    "col.epochs_median", "col.dead_start", "col.dead_end", "col.distinct",
                                    "col.grad0", "col.torch_runs", "col.worst_rel")]
    rows = [[s["name"], f"`{s['init']}`", num(s["median_final_loss"]), num(s["worst_final_loss"]),
             pct(s["reach_share"]), num(s["median_epochs_to_threshold"]), pct(s["dead_start"]), pct(s["dead_end"]),
             num(s["distinct_units_end"]), num(s["grad_norm_start"]), num(s["torch_runs"]),
             num(s["worst_rel_diff"])] for s in sorted(res["schemes"], key=rank_key)]
    return [
        Heading(2, t("t2.title", lang)),
        Para(t("t2.setup", lang, n=len(res["schemes"]), seeds=res["seeds"], torch_seeds=res["torch_seeds"],
               lr=num(res["plan"]["lr"]), epochs=res["plan"]["epochs"], threshold=num(res["threshold"]))),
        Table(headers, rows),
        Para(t("t2.columns", lang)),
        Figure(figures["task2_curves"], t("fig.task2_curves", lang)),
        Figure(figures["task2_epochs"], t("fig.task2_epochs", lang, threshold=num(res["threshold"]))),
        Heading(3, t("conclusion", lang)),
        *[Para(line) for line in conclude(res, lang)],
    ]
