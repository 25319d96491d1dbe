"""Task 3: loss against epoch for several learning rates and several activations, on both sides.

Every run is a pair (handmade and torch from the same initial weights, same
plan); the figures overlay the two curves and draw |L_h(k) - L_t(k)| below on a
log scale. Learning-rate runs use ReLU; activation runs use ``cfg.lr``. All
start from ``torch_default`` weights with ``seed``.
"""

from __future__ import annotations

from compare.study.blocks import Figure, Heading, Para, Table, num
from compare.study.config import LEARNING_RATES, TASK3_ACTIVATIONS
from compare.study.i18n import t
from compare.study.pairs import run_pair
from compare.study.task1 import SPEC
from handmade.contract.plan import TrainPlan
from handmade.data import letters


def run(cfg, tick) -> tuple[dict, list]:
    X, Y = letters()
    spec = SPEC.replace(seed=cfg.seed)
    records, lr_runs, act_runs = [], [], []
    trained = {}  # the ReLU run at cfg.lr is both a learning-rate run and an activation run: trained once
    for lr in LEARNING_RATES:
        pair = run_pair(f"task3 lr={lr:g} loss curve", spec, X, Y, TrainPlan(lr=lr, epochs=cfg.task3_epochs),
                        trained)
        records.append(pair.record)
        lr_runs.append({"lr": lr, **pair.summary(cfg.threshold), "curves": pair.curves()})
        tick(f"task 3: lr {lr:g}")
    for act in TASK3_ACTIVATIONS:
        pair = run_pair(f"task3 {act} loss curve", spec.replace(activation=act), X, Y,
                        TrainPlan(lr=cfg.lr, epochs=cfg.task3_epochs), trained)
        records.append(pair.record)
        act_runs.append({"activation": act, **pair.summary(cfg.threshold), "curves": pair.curves()})
        tick(f"task 3: {act}")
    return {"threshold": cfg.threshold, "epochs": cfg.task3_epochs, "lr_for_activations": cfg.lr,
            "seed": cfg.seed, "learning_rates": lr_runs, "activations": act_runs}, records


def fastest(runs: list[dict]) -> dict | None:
    """The run that reaches the threshold first (ties: lower final loss), or None."""
    done = [r for r in runs if r["epochs_to_threshold_handmade"] is not None]
    return min(done, key=lambda r: (r["epochs_to_threshold_handmade"], r["final_loss_handmade"])) if done else None


def conclude_lr(res: dict, lang: str) -> list[str]:
    runs = res["learning_rates"]
    lines = []
    best = fastest(runs)
    if best is not None:
        lines.append(t("t3.lr_best", lang, lr=num(best["lr"]), epochs=best["epochs_to_threshold_handmade"],
                       threshold=num(res["threshold"])))
    slow = [r for r in runs if r["epochs_to_threshold_handmade"] is None and not r["diverged_at"]
            and (best is None or r["lr"] < best["lr"])]
    if slow:
        lines.append(t("t3.lr_too_small", lang, lrs=", ".join(num(r["lr"]) for r in slow), epochs=res["epochs"],
                       losses=", ".join(num(r["final_loss_handmade"]) for r in slow)))
    unstable = [r for r in runs if r["diverged_at"] or (r["epochs_to_threshold_handmade"] is None and best is not None
                                                        and r["lr"] > best["lr"])]
    if unstable:
        lines.append(t("t3.lr_too_large", lang, lrs=", ".join(num(r["lr"]) for r in unstable),
                       losses=", ".join(num(r["final_loss_handmade"]) for r in unstable)))
    if best is not None:
        slower = [r for r in runs if r["epochs_to_threshold_handmade"] is not None and r is not best]
        if slower:
            lines.append(t("t3.lr_others", lang, pairs=", ".join(
                f"{num(r['lr'])}: {r['epochs_to_threshold_handmade']}" for r in slower)))
    return lines


def conclude_act(res: dict, lang: str) -> list[str]:
    runs = res["activations"]
    lines = []
    done = sorted((r for r in runs if r["epochs_to_threshold_handmade"] is not None),
                  key=lambda r: r["epochs_to_threshold_handmade"])
    if done:
        lines.append(t("t3.act_order", lang, order=" < ".join(
            f"{r['activation']} ({r['epochs_to_threshold_handmade']})" for r in done)))
    never = [r for r in runs if r["epochs_to_threshold_handmade"] is None]
    if never:
        lines.append(t("t3.act_never", lang, acts=", ".join(r["activation"] for r in never), epochs=res["epochs"],
                       losses=", ".join(num(r["final_loss_handmade"]) for r in never)))
    by = {r["activation"]: r for r in runs}
    if "sigmoid" in by and "relu" in by:
        s, r = by["sigmoid"], by["relu"]
        if s["epochs_to_threshold_handmade"] and r["epochs_to_threshold_handmade"]:
            ratio = s["epochs_to_threshold_handmade"] / r["epochs_to_threshold_handmade"]
            lines.append(t("t3.sigmoid_vs_relu", lang, ratio=num(ratio)))
        else:
            lines.append(t("t3.sigmoid_vs_relu_loss", lang, s=num(s["final_loss_handmade"]),
                           r=num(r["final_loss_handmade"]), epochs=res["epochs"]))
    return lines


def conclude_parity(res: dict, lang: str) -> str:
    runs = res["learning_rates"] + res["activations"]
    worst = max(runs, key=lambda r: r["max_abs_diff"])
    name = f"lr={num(worst['lr'])}" if "lr" in worst else worst["activation"]
    return t("t3.parity", lang, n=len(runs), diff=num(worst["max_abs_diff"]), name=name,
             failed=sum(not r["passed"] for r in runs))


def table(runs: list[dict], key: str, lang: str) -> Table:
    headers = [t(f"col.{key}", lang), t("col.final_h", lang), t("col.final_t", lang), t("col.epochs_thr", lang),
               t("col.diverged", lang), t("col.max_abs_diff", lang), t("col.equal_epochs", lang)]
    rows = [[num(r[key]) if key == "lr" else r[key], num(r["final_loss_handmade"]), num(r["final_loss_torch"]),
             num(r["epochs_to_threshold_handmade"]), num(r["diverged_at"]), num(r["max_abs_diff"]),
             num(r["epochs_exactly_equal"])] for r in runs]
    return Table(headers, rows)


def blocks(res: dict, lang: str, figures: dict) -> list:
    return [
        Heading(2, t("t3.title", lang)),
        Para(t("t3.setup", lang, epochs=res["epochs"], seed=res["seed"], lr=num(res["lr_for_activations"]))),
        Heading(3, t("t3.lr_title", lang)),
        Figure(figures["task3_lr"], t("fig.task3_lr", lang)),
        table(res["learning_rates"], "lr", lang),
        *[Para(line) for line in conclude_lr(res, lang)],
        Heading(3, t("t3.act_title", lang)),
        Figure(figures["task3_activations"], t("fig.task3_activations", lang)),
        table(res["activations"], "activation", lang),
        *[Para(line) for line in conclude_act(res, lang)],
        Heading(3, t("conclusion", lang)),
        Para(conclude_parity(res, lang)),
    ]
