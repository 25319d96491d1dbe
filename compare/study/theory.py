"""Theory made visible: activations and their derivatives, vanishing gradients, linear collapse.

* Gallery: f(z) and f'(z) of every activation on z = -4..4 in steps of 0.05
  (exact zero included), handmade formulas against torch autograd.
* Vanishing gradients: one forward/backward of a 30-16x8-3 net on the letters,
  ||(dW_l, db_l)||_2 per layer l, median over seeds. The chain rule multiplies
  one f'(z) per layer; sigmoid's f' <= 0.25, so the first layers' share shrinks
  roughly geometrically with depth. Same init (kaiming normal) for every
  activation, so only the activation differs.
* Linear collapse: with identity activations, s = W2 (W1 (W0 x + b0) + b1) + b2
  = W x + b with W = W2 W1 W0 and b = W2 (W1 b0 + b1) + b2: any depth is one
  linear layer. Trained net vs that single layer on clean and noisy letters.
"""

from __future__ import annotations

import numpy as np
import torch

from compare.measure.records import compare_arrays
from compare.measure.tolerance import tolerance_for
from compare.step.parity import compare_step, handmade_step, torch_step
from compare.study.blocks import Figure, Heading, Para, Table, num
from compare.study.i18n import t
from compare.study.pairs import torch_predict
from handmade.activations import ACTIVATIONS, Activation
from handmade.contract.plan import TrainPlan
from handmade.contract.spec import MLPSpec
from handmade.data import letters, noisy_letters
from handmade.model import MLP
from handmade.train import train
from torch_ref import torch_activation

GALLERY_Z = np.arange(-80, 81) / 20.0  # -4..4, step 0.05, contains an exact 0
DEEP_ACTIVATIONS = ("sigmoid", "tanh", "relu")
DEEP_INIT = "kaiming_normal"


def gallery(tol: float) -> tuple[dict, list]:
    zero = int(np.flatnonzero(GALLERY_Z == 0)[0])
    items, records = [], []
    for name in ACTIVATIONS:
        if name == "identity":
            continue
        act = Activation(name)
        f_h = act(GALLERY_Z)
        df_h = act.grad(GALLERY_Z, f_h)
        x = torch.tensor(GALLERY_Z, dtype=torch.float64, requires_grad=True)
        y = torch_activation(name)(x)
        y.backward(torch.ones_like(y))
        f_t, df_t = y.detach().numpy(), x.grad.numpy()
        rec_f = compare_arrays(f"gallery {name} f(z)", f_h, f_t, tol, kind="forward")
        rec_df = compare_arrays(f"gallery {name} f'(z)", df_h, df_t, tol, kind="derivative")
        records += [rec_f, rec_df]
        items.append({"name": name, "f_handmade": f_h, "f_torch": f_t, "df_handmade": df_h, "df_torch": df_t,
                      "rel_diff_f": rec_f.max_rel_diff, "rel_diff_df": rec_df.max_rel_diff,
                      "df_at_0": float(df_h[zero]), "df_at_0_torch": float(df_t[zero]),
                      "df_max": float(df_h.max()), "df_at_minus4": float(df_h[0])})
    return {"z": GALLERY_Z, "activations": items}, records


def vanishing(cfg) -> tuple[dict, list]:
    X, Y = letters()
    sizes = (30,) + (16,) * cfg.deep_hidden_layers + (3,)
    n_layers = len(sizes) - 1
    out, records = {}, []
    for name in DEEP_ACTIVATIONS:
        norms = {"handmade": [], "torch": []}
        for k in range(cfg.deep_seeds):
            spec = MLPSpec(sizes=sizes, activation=name, init=DEEP_INIT, seed=cfg.first_seed + k)
            params = spec.init_params()
            step = compare_step(spec, X, Y, params)
            for r in step.records:
                r.name = f"deep {name} seed {spec.seed}: {r.name}"
            records += step.records
            sides = (("handmade", handmade_step(spec, params, X, Y)), ("torch", torch_step(spec, params, X, Y)))
            for side, got in sides:
                norms[side].append([float(np.sqrt(np.sum(got[f"grad layers.{l}.weight"] ** 2)
                                                  + np.sum(got[f"grad layers.{l}.bias"] ** 2)))
                                    for l in range(n_layers)])
        med = {side: np.median(np.array(v), axis=0) for side, v in norms.items()}
        out[name] = {"handmade": med["handmade"], "torch": med["torch"],
                     "first_over_last": float(med["handmade"][0] / med["handmade"][-1])}
    return {"sizes": list(sizes), "init": DEEP_INIT, "seeds": cfg.deep_seeds, "activations": out}, records


def collapse(cfg) -> tuple[dict, list]:
    X, Y = letters()
    spec = MLPSpec(sizes=(30, 16, 16, 3), activation="identity", init="torch_default", seed=cfg.first_seed)
    net = MLP(spec)
    history = train(net, X, Y, TrainPlan(lr=cfg.lr, epochs=cfg.collapse_epochs))
    p = net.params
    W = p["layers.2.weight"] @ p["layers.1.weight"] @ p["layers.0.weight"]
    b = p["layers.2.weight"] @ (p["layers.1.weight"] @ p["layers.0.bias"] + p["layers.1.bias"]) + p["layers.2.bias"]
    Xn, _ = noisy_letters(3, max(cfg.noisy_copies // 10, 1), seed=cfg.first_seed + 2000)
    Xt = np.vstack([X, Xn])
    out_net = net.predict(Xt)
    out_lin = Xt @ W.T + b
    out_torch = torch_predict(spec, p, Xt)
    tol = tolerance_for(spec.dtype).step
    rec_collapse = compare_arrays("identity net vs its single linear layer", out_net, out_lin, tol,
                                  kind="collapse", counted=False, note="a fact of algebra, not a torch comparison")
    rec_torch = compare_arrays("identity net: handmade vs torch outputs", out_net, out_torch, tol, kind="forward")
    return {"sizes": list(spec.sizes), "epochs": cfg.collapse_epochs, "final_loss": float(history.loss[-1]),
            "samples": len(Xt), "W_shape": list(W.shape), "rank": int(np.linalg.matrix_rank(W)),
            "max_abs_diff": rec_collapse.max_abs_diff, "rel_diff": rec_collapse.max_rel_diff,
            "output_scale": float(np.max(np.abs(out_net))), "torch_rel_diff": rec_torch.max_rel_diff,
            "net_outputs": out_net, "linear_outputs": out_lin}, [rec_collapse, rec_torch]


def run(cfg, tick) -> tuple[dict, list]:
    tol = tolerance_for("float64").step
    g, rec_g = gallery(tol)
    tick("theory: activation gallery")
    v, rec_v = vanishing(cfg)
    tick("theory: vanishing gradients")
    c, rec_c = collapse(cfg)
    tick("theory: linear collapse")
    return {"gallery": g, "vanishing": v, "collapse": c}, rec_g + rec_v + rec_c


def conclude_gallery(g: dict, lang: str) -> list[str]:
    by = {a["name"]: a for a in g["activations"]}
    lines = []
    if "sigmoid" in by and "tanh" in by:
        lines.append(t("th.df_max", lang, s=num(by["sigmoid"]["df_max"], lang), th=num(by["tanh"]["df_max"], lang),
                       s4=num(by["sigmoid"]["df_at_minus4"], lang), th4=num(by["tanh"]["df_at_minus4"], lang)))
    if "relu" in by and "leaky_relu" in by:
        lines.append(t("th.relu_kink", lang, r0=num(by["relu"]["df_at_0"], lang),
                       r0t=num(by["relu"]["df_at_0_torch"], lang), l4=num(by["leaky_relu"]["df_at_minus4"], lang)))
    worst = max(g["activations"], key=lambda a: max(a["rel_diff_f"], a["rel_diff_df"]))
    lines.append(t("th.gallery_parity", lang, n=len(g["activations"]),
                   diff=num(max(worst["rel_diff_f"], worst["rel_diff_df"]), lang), name=worst["name"]))
    return lines


def conclude_vanishing(v: dict, lang: str) -> list[str]:
    acts = v["activations"]
    lines = [t("th.vanish_ratio", lang, name=name, ratio=num(acts[name]["first_over_last"], lang))
             for name in acts]
    shrink = sorted(acts, key=lambda n: acts[n]["first_over_last"])
    lines.append(t("th.vanish_worst", lang, worst=shrink[0], best=shrink[-1],
                   factor=num(acts[shrink[-1]]["first_over_last"] / acts[shrink[0]]["first_over_last"], lang)))
    return lines


def conclude_collapse(c: dict, lang: str) -> list[str]:
    tiny = c["rel_diff"] <= 1e-12
    return [t("th.collapse", lang, diff=num(c["max_abs_diff"], lang), rel=num(c["rel_diff"], lang),
              samples=c["samples"],
              shape="x".join(map(str, c["W_shape"])), rank=c["rank"]),
            t("th.collapse_yes" if tiny else "th.collapse_no", lang)]


def blocks(res: dict, lang: str, figures: dict) -> list:
    g, v, c = res["gallery"], res["vanishing"], res["collapse"]
    g_rows = [[a["name"], num(a["df_at_0"], lang), num(a["df_at_0_torch"], lang), num(a["df_max"], lang),
               num(a["df_at_minus4"], lang),
               num(a["rel_diff_f"], lang), num(a["rel_diff_df"], lang)] for a in g["activations"]]
    n_layers = len(v["sizes"]) - 1
    v_rows = [[name] + [num(x, lang) for x in d["handmade"]] + [num(d["first_over_last"], lang)]
              for name, d in v["activations"].items()]
    return [
        Heading(2, t("th.title", lang)),
        Heading(3, t("th.gallery_title", lang)),
        Figure(figures["theory_activations"], t("fig.theory_activations", lang)),
        Table([t(k, lang) for k in ("col.activation", "col.df0_h", "col.df0_t", "col.df_max", "col.df_m4",
                                    "col.rel_f", "col.rel_df")], g_rows),
        *[Para(line) for line in conclude_gallery(g, lang)],
        Heading(3, t("th.vanish_title", lang)),
        Para(t("th.vanish_setup", lang, sizes="-".join(map(str, v["sizes"])), init=v["init"], seeds=v["seeds"])),
        Figure(figures["theory_vanishing"], t("fig.theory_vanishing", lang)),
        Table([t("col.activation", lang)] + [f"L{l}" for l in range(n_layers)] + [t("col.first_last", lang)],
              v_rows),
        *[Para(line) for line in conclude_vanishing(v, lang)],
        Heading(3, t("th.collapse_title", lang)),
        Para(t("th.collapse_setup", lang, sizes="-".join(map(str, c["sizes"])), epochs=c["epochs"],
               loss=num(c["final_loss"], lang))),
        Figure(figures["theory_collapse"], t("fig.theory_collapse", lang)),
        *[Para(line) for line in conclude_collapse(c, lang)],
    ]
