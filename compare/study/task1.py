"""Task 1: the lesson's 30-16-3 ReLU network trained with MSE on the three letters, on both sides.

Trained with full-batch SGD from one shared set of initial weights, then
tested: outputs and predicted letters for a, b, c; accuracy on noisy letters
with f = 0..6 flipped pixels (``handmade.noisy_letters``, ``noisy_copies``
samples per letter and f).
"""

from __future__ import annotations

import numpy as np

from compare.measure.records import compare_arrays
from compare.measure.tolerance import tolerance_for
from compare.step.parity import compare_step
from compare.study.blocks import Figure, Heading, Para, Table, num, pct
from compare.study.i18n import quantity, t
from compare.study.pairs import run_pair, torch_predict
from handmade.contract.plan import TrainPlan
from handmade.contract.spec import MLPSpec
from handmade.data import LETTER_NAMES, letters, noisy_letters
from handmade.model import MLP

SPEC = MLPSpec(sizes=(30, 16, 3), activation="relu", output_activation="identity", loss="mse",
               init="torch_default")
EXAMPLE_FLIPS = 3  # the noisy examples drawn next to the clean letters


def run(cfg, tick) -> tuple[dict, list]:
    """Train, test and compare; return (results, parity records)."""
    X, Y = letters()
    spec = SPEC.replace(seed=cfg.first_seed)
    plan = TrainPlan(optimizer="sgd", lr=cfg.lr, epochs=cfg.task1_epochs)
    tol = tolerance_for(spec.dtype).trajectory
    records = list(compare_step(spec, X, Y).records)
    pair = run_pair("task1 loss curve", spec, X, Y, plan)
    records.append(pair.record)
    tick("task 1: trained both sides")

    net = MLP(spec, pair.handmade.final_params)
    out_h = net.predict(X)
    out_t = torch_predict(spec, pair.torch.final_params, X)
    records.append(compare_arrays("task1 trained outputs on a, b, c", out_h, out_t, tol, kind="trajectory"))
    pred_h, pred_t = out_h.argmax(axis=1), out_t.argmax(axis=1)
    truth = Y.argmax(axis=1)

    robust = {"flips": [], "samples": [], "accuracy_handmade": [], "accuracy_torch": [], "agreement": []}
    for flips in range(cfg.max_flips + 1):
        Xn, Yn = noisy_letters(flips, cfg.noisy_copies, seed=cfg.first_seed + flips)
        nh, nt = net.predict(Xn), torch_predict(spec, pair.torch.final_params, Xn)
        records.append(compare_arrays(f"task1 outputs, {flips} flipped pixels", nh, nt, tol, kind="trajectory"))
        want = Yn.argmax(axis=1)
        robust["flips"].append(flips)
        robust["samples"].append(len(Xn))
        robust["accuracy_handmade"].append(float(np.mean(nh.argmax(axis=1) == want)))
        robust["accuracy_torch"].append(float(np.mean(nt.argmax(axis=1) == want)))
        robust["agreement"].append(float(np.mean(nh.argmax(axis=1) == nt.argmax(axis=1))))

    Xe, Ye = noisy_letters(EXAMPLE_FLIPS, 1, seed=cfg.first_seed + 1000)
    examples = {
        "flips": EXAMPLE_FLIPS, "images": Xe, "true": [LETTER_NAMES[i] for i in Ye.argmax(axis=1)],
        "predicted_handmade": [LETTER_NAMES[i] for i in net.predict(Xe).argmax(axis=1)],
        "predicted_torch": [LETTER_NAMES[i] for i in
                            torch_predict(spec, pair.torch.final_params, Xe).argmax(axis=1)],
    }
    tick("task 1: noisy letters")
    summary = pair.summary(cfg.threshold)
    results = {
        "spec": spec.to_dict(), "plan": plan.to_dict(), "threshold": cfg.threshold,
        "initial_loss": float(pair.handmade.loss[0]),
        "final_loss": {"handmade": summary["final_loss_handmade"], "torch": summary["final_loss_torch"]},
        "epochs_to_threshold": {"handmade": summary["epochs_to_threshold_handmade"],
                                "torch": summary["epochs_to_threshold_torch"]},
        "trajectory": {k: summary[k] for k in ("rel_diff", "max_abs_diff", "epochs_exactly_equal", "epochs")},
        "curves": pair.curves(),
        "outputs": {
            "letters": list(LETTER_NAMES), "images": X, "handmade": out_h, "torch": out_t,
            "predicted_handmade": [LETTER_NAMES[i] for i in pred_h],
            "predicted_torch": [LETTER_NAMES[i] for i in pred_t],
            "correct_handmade": bool(np.all(pred_h == truth)), "correct_torch": bool(np.all(pred_t == truth)),
            "max_abs_diff": float(np.max(np.abs(out_h - out_t))),
        },
        "robustness": robust,
        "examples": examples,
    }
    return results, records


def predicts_all(outputs, names) -> bool:
    """Row i of the outputs has its largest value at column i: letter i is recognised, for every i."""
    return all(int(np.argmax(row)) == i for i, row in enumerate(outputs)) and len(outputs) == len(names)


def conclude(res: dict, lang: str) -> list[str]:
    """Sentences drawn from this run's numbers: they change when the numbers do."""
    out = res["outputs"]
    lines = []
    wrong = [side for side in ("handmade", "torch") if not predicts_all(out[side], out["letters"])]
    if not wrong:
        lines.append(t("t1.correct_both", lang))
    else:
        lines.append(t("t1.wrong", lang, sides=", ".join(wrong)))
    reached = res["epochs_to_threshold"]["handmade"]
    lines.append(t("t1.loss_fell", lang, l0=num(res["initial_loss"], lang),
                   l1=num(res["final_loss"]["handmade"], lang),
                   epochs=quantity(res["trajectory"]["epochs"], "epoch", lang), threshold=num(res["threshold"], lang))
                 + " " + (t("t1.reached", lang, epoch=reached, threshold=num(res["threshold"], lang)) if reached
                          else t("t1.not_reached", lang)))
    traj = res["trajectory"]
    lines.append(t("t1.same_curve", lang, diff=num(traj["max_abs_diff"], lang), equal=traj["epochs_exactly_equal"],
                   epochs=traj["epochs"]))
    rob = res["robustness"]
    acc = rob["accuracy_handmade"]
    ok = [f for f, a in zip(rob["flips"], acc) if a >= 0.9]
    below = [f for f, a in zip(rob["flips"], acc) if a < 0.9]
    if not below:
        lines.append(t("t1.robust_all", lang, last=rob["flips"][-1], acc=pct(acc[-1], lang)))
    else:
        first = below[0]
        sentence = t("t1.robust_until", lang, first=first, acc=pct(acc[rob["flips"].index(first)], lang),
                     ok=max(ok) if ok else "-")
        if first != rob["flips"][-1]:
            sentence += " " + t("t1.robust_last", lang, last=rob["flips"][-1], acc_last=pct(acc[-1], lang))
        lines.append(sentence)
    lines.append(t("t1.agreement", lang, agree=pct(min(rob["agreement"]), lang)))
    return lines


def blocks(res: dict, lang: str, figures: dict) -> list:
    out = res["outputs"]
    rows = []
    for i, name in enumerate(out["letters"]):
        rows.append([name] + [num(v, lang) for v in out["handmade"][i]] + [out["predicted_handmade"][i]]
                    + [num(v, lang) for v in out["torch"][i]] + [out["predicted_torch"][i]])
    headers = [t("col.letter", lang)] + [f"s{k + 1} (h)" for k in range(3)] + [t("col.pred_h", lang)] \
        + [f"s{k + 1} (t)" for k in range(3)] + [t("col.pred_t", lang)]
    rob = res["robustness"]
    rob_rows = [[f, n, pct(a, lang), pct(b, lang), pct(g, lang)] for f, n, a, b, g in
                zip(rob["flips"], rob["samples"], rob["accuracy_handmade"], rob["accuracy_torch"], rob["agreement"])]
    return [
        Heading(2, t("t1.title", lang)),
        Para(t("t1.setup", lang, lr=num(res["plan"]["lr"], lang), epochs=quantity(res["plan"]["epochs"], "epoch", lang),
               seed=res["spec"]["seed"])),
        Table(headers, rows),
        Figure(figures["task1_letters"], t("fig.task1_letters", lang)),
        Figure(figures["task1_loss"], t("fig.task1_loss", lang)),
        Table([t("col.flips", lang), t("col.samples", lang), t("col.acc_h", lang), t("col.acc_t", lang),
               t("col.agree", lang)], rob_rows),
        Figure(figures["task1_robustness"], t("fig.task1_robustness", lang)),
        Heading(3, t("conclusion", lang)),
        *[Para(line) for line in conclude(res, lang)],
    ]
