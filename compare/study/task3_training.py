"""Task 3: loss against epoch for several learning rates and several activations, many seeds, both sides.

Two families of cells, each cell ``task3_seeds`` networks (``torch_default``
weights, seeds ``first_seed + k``) trained for ``task3_epochs`` epochs of full-batch
SGD, in one batched call per side (``pairs.train_many``), every pair judged by the
harness's trajectory verdict (``pairs.parity``):

* learning rates: the ReLU network at every rate of ``LEARNING_RATES``;
* activations: every activation of ``TASK3_ACTIVATIONS`` at ``cfg.lr`` (the
  ReLU cell at ``cfg.lr`` is shared with the first family, trained once).

Per cell (``outcomes.summarize_runs``): reach share with its Wilson interval,
epochs to the threshold (``budget + 1`` if never) with the median's bootstrap
interval, what the failed runs did (diverged, oscillating, plateau, slow) and
how they ended (last loss, dead units), the median loss curve with its 10-90%
band, and the parity of the pairs. Per family: ``separation.separate`` decides
which values are separated; the report ranks only those.
"""

from __future__ import annotations

from compare.study import outcomes as oc
from compare.study.config import LEARNING_RATES, TASK3_ACTIVATIONS
from compare.study.pairs import parity, train_many
from compare.study.separation import separate
from compare.study.task1 import SPEC
from compare.study.task2_init import curve_bands, rate_key
from handmade.contract.plan import TrainPlan
from handmade.data import letters

LR_FAMILY_SEED = 500    # bootstrap seeds of the two families' verdicts, offsets inside the study's seed block
ACT_FAMILY_SEED = 600


def run_cell(name: str, activation: str, lr: float, cfg, X, Y) -> tuple[dict, list, list]:
    """``task3_seeds`` networks with one activation and rate, both sides: (summary, parity records, ranked)."""
    specs = [SPEC.replace(activation=activation, seed=cfg.first_seed + k) for k in range(cfg.task3_seeds)]
    plan = TrainPlan(lr=lr, epochs=cfg.task3_epochs)
    hand = train_many(specs, X, Y, plan, "handmade")
    ref = train_many(specs, X, Y, plan, "torch")
    records = [parity(f"task3 {name} seed {spec.seed} loss curve", spec, plan, mine, theirs, X, Y)
               for spec, mine, theirs in zip(specs, hand, ref)]
    summary = {"activation": activation, "lr": lr, **oc.summarize_runs(hand, cfg.threshold, cfg.task3_epochs, X),
               "curve": curve_bands(hand, cfg.task3_epochs), "torch_runs": len(records),
               "parity_failed": sum(not r.passed for r in records),
               "worst_rel_diff": max((r.max_rel_diff for r in records), default=0.0)}
    return summary, records, summary["epochs"]


def cell_name(cell: dict, key: str) -> str:
    """A cell's name in its family's verdict: the rate ("0.1") or the activation ("relu")."""
    return rate_key(cell["lr"]) if key == "lr" else cell[key]


def with_verdict(cells: list[dict], key: str, seed: int) -> dict:
    """Attach each cell's median epochs and interval from the family's verdict; return the verdict."""
    verdict = separate({cell_name(c, key): c["epochs"] for c in cells}, seed)
    for c in cells:
        group = verdict["groups"][cell_name(c, key)]
        c.update(median_epochs=group["median"], median_epochs_ci=group["median_ci"], mean_rank=group["mean_rank"])
    return verdict


def run(cfg, tick) -> tuple[dict, list]:
    X, Y = letters()
    records, trained = [], {}
    lr_cells, act_cells = [], []
    for lr in LEARNING_RATES:
        trained["relu", lr] = run_cell(f"relu lr={rate_key(lr)}", "relu", lr, cfg, X, Y)
        lr_cells.append(trained["relu", lr][0])
        records += trained["relu", lr][1]
        tick(f"task 3: lr {rate_key(lr)}")
    for act in TASK3_ACTIVATIONS:
        if (act, cfg.lr) not in trained:
            trained[act, cfg.lr] = run_cell(f"{act} lr={rate_key(cfg.lr)}", act, cfg.lr, cfg, X, Y)
            records += trained[act, cfg.lr][1]
        act_cells.append(dict(trained[act, cfg.lr][0]))  # a copy: each family writes its own verdict into it
        tick(f"task 3: {act}")
    lr_verdict = with_verdict(lr_cells, "lr", cfg.first_seed + LR_FAMILY_SEED)
    act_verdict = with_verdict(act_cells, "activation", cfg.first_seed + ACT_FAMILY_SEED)
    return {"threshold": cfg.threshold, "budget": cfg.task3_epochs, "lr_for_activations": cfg.lr,
            "seeds": cfg.task3_seeds, "first_seed": cfg.first_seed, "init": SPEC.init,
            "learning_rates": lr_cells, "activations": act_cells,
            "lr_verdict": lr_verdict, "act_verdict": act_verdict}, records
