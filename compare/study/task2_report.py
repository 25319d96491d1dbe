"""Task 2 in the report: the verdict at the study's rate, the rate x scheme grid, and why runs fail.

Every sentence is chosen by the numbers of ``results["task2"]`` (``task2_init.run``):
a winner only when ``separation.separate`` names one, a tie otherwise, each
failure by the outcome its runs measured (``compare.study.outcomes``).
"""

from __future__ import annotations

from compare.study import outcomes as oc
from compare.study.blocks import Figure, Heading, Para, Table, interval, num, pct, pct_interval
from compare.study.i18n import quantity, t
from compare.study.separation import pair
from compare.study.statistics import BOOTSTRAP_RESAMPLES
from compare.study.task2_init import cell, verdict_at

GOOD_REACH = 0.9   # "reliably reaches the threshold" in the first-step sentence
FAILING = 0.5      # a cell fails when fewer than half of its runs reach the threshold


def name(key: str, lang: str) -> str:
    return t(f"scheme.{key}", lang)


def epochs_text(value, budget: int, lang: str) -> str:
    """Median epochs, or "not reached" for the value that stands for "never" (budget + 1)."""
    if value is None or value > budget:
        return t("never", lang)
    return quantity(value, "epoch", lang)


def ci_text(lo, hi, budget: int, lang: str) -> str:
    """An epochs interval; an end at "never" shows as "> budget"."""
    def end(v):
        return f"> {budget}" if v > budget else num(v, lang)
    return interval(lo, hi, lang, fmt=lambda v, _lang: end(v))


def reach_text(c: dict, lang: str) -> str:
    """"300 of 300 (100% [99%, 100%])"."""
    return t("reach", lang, k=c["reached"], n=c["n"], share=pct(c["reach_share"], lang),
             ci=pct_interval(*c["reach_ci"], lang))


def median_text(c: dict, budget: int, lang: str) -> str:
    return f"{epochs_text(c['median_epochs'], budget, lang)} {ci_text(*c['median_epochs_ci'], budget, lang)}"


def main_verdict(res: dict, lang: str) -> list[str]:
    """The answer at the study's rate: a winner, or the tie, then who is behind and the lesson's two tries."""
    lr, budget = res["main_lr"], res["budget"]
    v = verdict_at(res, lr)
    leader = cell(res, v["leader"], lr)
    lines = []
    if v["winner"] is not None:
        worst_p = max(pair(v, v["leader"], other)["p_holm"] for other in v["order"][1:])
        lines.append(t("t2.winner", lang, lr=num(lr, lang), name=name(v["leader"], lang),
                       median=median_text(leader, budget, lang), reach=reach_text(leader, lang),
                       p=num(worst_p, lang)))
    else:
        diffs = "; ".join(t("t2.tie_pair", lang, a=name(other, lang), b=name(v["leader"], lang),
                            diff=num(v["against_leader"][other]["median_diff"], lang),
                            ci=interval(*v["against_leader"][other]["median_diff_ci"], lang),
                            p=num(v["against_leader"][other]["p_holm"], lang)) for other in v["top"][1:])
        lines.append(t("t2.tie", lang, lr=num(lr, lang), names=", ".join(name(k, lang) for k in v["top"]),
                       runs=quantity(leader["n"], "run", lang), medians=", ".join(
                           f"{name(k, lang)} {median_text(cell(res, k, lr), budget, lang)}" for k in v["top"]),
                       diffs=diffs))
    if v["behind"]:
        worst_p = max(v["against_leader"][k]["p_holm"] for k in v["behind"])
        slower = ", ".join(f"{name(k, lang)} (+{epochs_text(v['against_leader'][k]['median_diff'], budget, lang)}"
                           f" {interval(*v['against_leader'][k]['median_diff_ci'], lang)})"
                           if cell(res, k, lr)["median_epochs"] <= budget else
                           f"{name(k, lang)} ({t('never', lang)})" for k in v["behind"])
        lines.append(t("t2.behind", lang, leader=name(v["leader"], lang), p=num(worst_p, lang), slower=slower))
    sn, ln = cell(res, "standard_normal", lr), cell(res, "lecun_normal", lr)
    lines.append(t("t2.lesson", lang, lr=num(lr, lang), sn=reach_text(sn, lang), ln=median_text(ln, budget, lang)))
    return lines


def rate_line(res: dict, v: dict, lang: str) -> str:
    lr, budget = v["lr"], res["budget"]
    leader = cell(res, v["leader"], lr)
    if leader["reach_share"] < FAILING:
        return t("t2.rate_none", lang, lr=num(lr, lang), name=name(v["leader"], lang), reach=reach_text(leader, lang))
    key = "t2.rate_winner" if v["winner"] is not None else "t2.rate_tie"
    return t(key, lang, lr=num(lr, lang), names=", ".join(name(k, lang) for k in v["top"]),
             name=name(v["leader"], lang), median=median_text(leader, budget, lang), reach=reach_text(leader, lang))


def first_step_line(res: dict, lang: str) -> str | None:
    """Where the reliable cells' first steps lie, and where the failing ones' lie (zeros aside: no step).

    Cells whose step lies between the reliable ones' yet fail are counted, not hidden."""
    cells = [c for c in res["cells"] if c["first_step"] > 0]
    good = [c["first_step"] for c in cells if c["reach_share"] >= GOOD_REACH]
    if not good:
        return None
    lo, hi = min(good), max(good)
    failing = [c["first_step"] for c in cells if c["reach_share"] < FAILING]
    small = [f for f in failing if f < lo]
    large = [f for f in failing if f > hi]
    inside = len(failing) - len(small) - len(large)
    line = t("t2.first_step", lang, good=len(good), cells=len(cells), lo=num(lo, lang), hi=num(hi, lang),
             share=pct(GOOD_REACH, lang), small=num(max(small), lang) if small else "—",
             large=num(min(large), lang) if large else "—")
    return line + (" " + t("t2.first_step_inside", lang, inside=inside) if inside else "")


def dominant_failure(c: dict) -> str:
    failures = {k: v for k, v in c["outcomes"].items() if k != oc.REACHED}
    return max(failures, key=lambda k: (failures[k], -oc.OUTCOMES.index(k)))


def failing_cells(res: dict) -> list[dict]:
    return [c for c in res["cells"] if c["reach_share"] < FAILING]


def span(values: list, fmt) -> str:
    """"a–b" over the values, one number when they agree to the shown digits, "—" for none."""
    if not values:
        return "—"
    lo, hi = fmt(min(values)), fmt(max(values))
    return lo if lo == hi else f"{lo}–{hi}"


def failure_lines(res: dict, lang: str) -> list[str]:
    """One sentence per kind of failure: which cells fail that way and what was measured in them."""
    lines = []
    for kind in oc.OUTCOMES[1:]:
        cells = [c for c in failing_cells(res) if dominant_failure(c) == kind]
        if not cells:
            continue
        where = "; ".join(t("at_lr", lang, name=name(c["scheme"], lang), lr=num(c["lr"], lang)) for c in cells)
        runs = sum(c["outcomes"][kind] for c in cells)
        total = sum(c["n"] for c in cells)
        dead = [c["failed_dead_end"] for c in cells if c["failed_dead_end"] is not None]
        loss = [c["failed_final_loss"] for c in cells if c["failed_final_loss"] is not None]
        lines.append(t(f"t2.fail_{kind}", lang, where=where, runs=runs, total=total,
                       dead=span(dead, lambda v: pct(v, lang)), loss=span(loss, lambda v: num(v, lang)),
                       budget=quantity(res["budget"], "epoch", lang)))
    return lines


def main_table(res: dict, lang: str) -> Table:
    lr, budget = res["main_lr"], res["budget"]
    v = verdict_at(res, lr)
    starts = {s["key"]: s["start"] for s in res["schemes"]}
    inits = {s["key"]: s["init"] for s in res["schemes"]}
    headers = [t(k, lang) for k in ("col.scheme", "col.init", "col.reached", "col.reach_ci", "col.epochs_median",
                                    "col.epochs_ci", "col.diff_leader", "col.p_holm", "col.dead_start",
                                    "col.grad0", "col.first_step", "col.failures", "col.torch_runs", "col.worst_rel")]
    rows = []
    for key in v["order"]:
        c = cell(res, key, lr)
        against = v["against_leader"].get(key)
        failures = ", ".join(f"{t('outcome.' + k, lang)} {n}" for k, n in c["outcomes"].items()
                             if k != oc.REACHED and n)
        rows.append([name(key, lang), f"`{inits[key]}`",
                     pct(c["reach_share"], lang), pct_interval(*c["reach_ci"], lang),
                     epochs_text(c["median_epochs"], budget, lang) if c["median_epochs"] > budget
                     else num(c["median_epochs"], lang), ci_text(*c["median_epochs_ci"], budget, lang),
                     num(against["median_diff"], lang) if against else "—",
                     num(against["p_holm"], lang) if against else "—", pct(starts[key]["dead"], lang),
                     num(starts[key]["grad_norm"], lang), num(c["first_step"], lang), failures or "—",
                     num(c["torch_runs"], lang), num(c["worst_rel_diff"], lang)])
    return Table(headers, rows)


def failure_table(res: dict, lang: str) -> Table:
    headers = [t(k, lang) for k in ("col.lr", "col.scheme", "col.reached", "col.failures", "col.dead_end_failed",
                                    "col.last_loss", "col.first_step")]
    rows = [[num(c["lr"], lang), name(c["scheme"], lang), reach_text(c, lang),
             ", ".join(f"{t('outcome.' + k, lang)} {n}" for k, n in c["outcomes"].items() if k != oc.REACHED and n),
             pct(c["failed_dead_end"], lang), num(c["failed_final_loss"], lang), num(c["first_step"], lang)]
            for c in failing_cells(res)]
    return Table(headers, rows)


def blocks(res: dict, lang: str, figures: dict) -> list:
    v = verdict_at(res, res["main_lr"])
    seeds = f"{res['first_seed']}–{res['first_seed'] + res['seeds'] - 1}"
    return [
        Heading(2, t("t2.title", lang)),
        Para(t("t2.setup", lang, n=len(res["schemes"]), runs=quantity(res["seeds"], "run", lang), seeds=seeds,
               lr=num(res["main_lr"], lang), rates=", ".join(num(r, lang) for r in res["rates"]),
               grid_runs=quantity(res["grid_seeds"], "run", lang), epochs=quantity(res["budget"], "epoch", lang),
               threshold=num(res["threshold"], lang), torch=res["torch_seeds"])),
        Para(t("t2.method", lang, threshold=num(res["threshold"], lang), budget=quantity(res["budget"], "epoch", lang),
               never=res["budget"] + 1, n=len(res["schemes"]), pairs=quantity(v["pairs_tested"], "pair", lang),
               alpha=pct(v["alpha"], lang),
               resamples=BOOTSTRAP_RESAMPLES)),
        Heading(3, t("t2.main_title", lang, lr=num(res["main_lr"], lang))),
        main_table(res, lang),
        Para(t("t2.columns", lang)),
        Figure(figures["task2_curves"], t("fig.task2_curves", lang)),
        Figure(figures["task2_epochs"], t("fig.task2_epochs", lang, threshold=num(res["threshold"], lang))),
        *[Para(line) for line in main_verdict(res, lang)],
        Heading(3, t("t2.grid_title", lang)),
        Figure(figures["task2_grid"], t("fig.task2_grid", lang)),
        Para(t("t2.conditional", lang)),
        *[Para(rate_line(res, verdict, lang)) for verdict in res["verdicts"]],
        *([Para(line)] if (line := first_step_line(res, lang)) else []),
        Heading(3, t("t2.fail_title", lang)),
        failure_table(res, lang),
        *[Para(line) for line in failure_lines(res, lang)],
    ]


def console(res: dict, lang: str) -> str:
    """The one-line answer for the terminal."""
    v = verdict_at(res, res["main_lr"])
    if v["winner"] is not None:
        return t("console.t2_winner", lang, lr=num(res["main_lr"], lang), name=name(v["winner"], lang))
    return t("console.t2_tie", lang, lr=num(res["main_lr"], lang), names=", ".join(name(k, lang) for k in v["top"]))

