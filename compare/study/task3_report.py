"""Task 3 in the report: learning rates and activations, ranked only where the test separates them.

An order is written as a chain, ``0.3 < 0.1 < 0.03``: "<" between neighbours the
test separates (Holm-adjusted p < 5%), "≈" between neighbours it cannot tell
apart. Cells where most runs fail are described by what their runs did
(``compare.study.outcomes``), with the numbers measured.
"""

from __future__ import annotations

from compare.study import outcomes as oc
from compare.study.blocks import Figure, Heading, Para, Table, num, pct, pct_interval
from compare.study.i18n import quantity, t
from compare.study.separation import pair
from compare.study.task2_report import FAILING, ci_text, epochs_text, median_text, reach_text
from compare.study.task3_training import cell_name


def label(c: dict, key: str, lang: str) -> str:
    return t("lr_label", lang, lr=num(c["lr"], lang)) if key == "lr" else t(f"act.{c['activation']}", lang)


def chain(cells: list[dict], verdict: dict, key: str, lang: str) -> str:
    """Cells in the verdict's order, "<" where neighbours are separated and "≈" where they are not."""
    by_name = {cell_name(c, key): c for c in cells}
    order = [n for n in verdict["order"] if by_name[n]["reach_share"] >= FAILING]
    out = label(by_name[order[0]], key, lang) if order else ""
    for a, b in zip(order, order[1:]):
        out += (" < " if pair(verdict, a, b)["separated"] else " ≈ ") + label(by_name[b], key, lang)
    return out


def failure_line(c: dict, key: str, res: dict, lang: str) -> str:
    """What the runs of a failing cell did, with the measured numbers."""
    kinds = {k: n for k, n in c["outcomes"].items() if k != oc.REACHED and n}
    parts = ", ".join(f"{t('outcome.' + k, lang)} — {n}" for k, n in kinds.items())
    kind = max(kinds, key=lambda k: kinds[k])
    detail = t(f"t3.fail_{kind}", lang, loss=num(c["failed_final_loss"], lang), rises=pct(c["failed_tail_rises"], lang),
               swing=pct(c["failed_tail_swing"], lang), tail=quantity(round(oc.TAIL * res["budget"]), "epoch", lang),
               budget=quantity(res["budget"], "epoch", lang))
    if c["activation"] == "relu" and c["failed_dead_end"] is not None:
        detail += " " + t("t3.dead", lang, dead=pct(c["failed_dead_end"], lang))
    return t("t3.fail", lang, what=label(c, key, lang), reach=reach_text(c, lang), parts=parts, detail=detail)


def family_lines(res: dict, family: str, key: str, lang: str) -> list[str]:
    cells, verdict = res[family], res["lr_verdict" if key == "lr" else "act_verdict"]
    lines = []
    ranked = chain(cells, verdict, key, lang)
    if ranked:
        lines.append(t("t3.order", lang, chain=ranked))
    lines += [failure_line(c, key, res, lang) for c in cells if c["reach_share"] < 1]
    return lines


def sigmoid_line(res: dict, lang: str) -> str | None:
    by = {c["activation"]: c for c in res["activations"]}
    if "sigmoid" not in by or "relu" not in by:
        return None
    s, r = by["sigmoid"], by["relu"]
    p = pair(res["act_verdict"], "sigmoid", "relu")
    return t("t3.sigmoid", lang, lr=num(res["lr_for_activations"], lang), s=median_text(s, res["budget"], lang),
             r=median_text(r, res["budget"], lang), s_reach=reach_text(s, lang), p=num(p["p_holm"], lang),
             verdict=t("t3.separated" if p["separated"] else "t3.not_separated", lang))


def table(res: dict, family: str, key: str, lang: str) -> Table:
    headers = [t(k, lang) for k in (f"col.{key}", "col.reached", "col.reach_ci", "col.epochs_median",
                                    "col.epochs_ci", "col.failures", "col.last_loss", "col.dead_end_failed",
                                    "col.torch_runs", "col.worst_rel")]
    rows = []
    for c in res[family]:
        failures = ", ".join(f"{t('outcome.' + k, lang)} {n}" for k, n in c["outcomes"].items()
                             if k != oc.REACHED and n)
        rows.append([num(c["lr"], lang) if key == "lr" else t(f"act.{c['activation']}", lang),
                     pct(c["reach_share"], lang), pct_interval(*c["reach_ci"], lang),
                     epochs_text(c["median_epochs"], res["budget"], lang) if c["median_epochs"] > res["budget"]
                     else num(c["median_epochs"], lang), ci_text(*c["median_epochs_ci"], res["budget"], lang),
                     failures or "—", num(c["failed_final_loss"], lang), pct(c["failed_dead_end"], lang),
                     num(c["torch_runs"], lang), num(c["worst_rel_diff"], lang)])
    return Table(headers, rows)


def parity_line(res: dict, lang: str) -> str:
    cells = res["learning_rates"] + [c for c in res["activations"] if c["activation"] != "relu"
                                     or c["lr"] not in [x["lr"] for x in res["learning_rates"]]]
    worst = max(cells, key=lambda c: c["worst_rel_diff"])
    where = label(worst, "activation", lang) + f", lr {num(worst['lr'], lang)}"
    return t("t3.parity", lang, n=sum(c["torch_runs"] for c in cells), diff=num(worst["worst_rel_diff"], lang),
             where=where, failed=sum(c["parity_failed"] for c in cells))


def blocks(res: dict, lang: str, figures: dict) -> list:
    seeds = f"{res['first_seed']}–{res['first_seed'] + res['seeds'] - 1}"
    return [
        Heading(2, t("t3.title", lang)),
        Para(t("t3.setup", lang, runs=quantity(res["seeds"], "network", lang), seeds=seeds,
               epochs=quantity(res["budget"], "epoch", lang), lr=num(res["lr_for_activations"], lang),
               threshold=num(res["threshold"], lang), never=res["budget"] + 1)),
        Heading(3, t("t3.lr_title", lang)),
        Figure(figures["task3_lr"], t("fig.task3_lr", lang)),
        table(res, "learning_rates", "lr", lang),
        *[Para(line) for line in family_lines(res, "learning_rates", "lr", lang)],
        Heading(3, t("t3.act_title", lang, lr=num(res["lr_for_activations"], lang))),
        Figure(figures["task3_activations"], t("fig.task3_activations", lang)),
        table(res, "activations", "activation", lang),
        *[Para(line) for line in family_lines(res, "activations", "activation", lang)],
        *([Para(line)] if (line := sigmoid_line(res, lang)) else []),
        Heading(3, t("t3.parity_title", lang)),
        Para(parity_line(res, lang)),
    ]


def epochs_by_activation(res: dict) -> dict[str, float]:
    """Median epochs to the threshold per activation, None where the median run never got there (for the cost)."""
    return {c["activation"]: c["median_epochs"] if c["median_epochs"] <= res["budget"] else None
            for c in res["activations"]}

