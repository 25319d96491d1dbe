"""`mlp-parity study --quick`: files, figures, numbers, predictions, computed conclusions, determinism, Russian.

The quick study runs twice per session (English and Russian, same seed) and
every test reads those two outputs; that pair is also the determinism check,
since the language changes only the report's words, never results.json.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import handmade.fast.batched
from compare.cli.main import main
from compare.measure.differences import rel_diff
from compare.measure.tolerance import tolerance_for
from compare.study import cost, plots, task1, task2_report, task3_report, theory
from compare.study.blocks import num
from compare.study.config import INIT_SCHEMES, StudyConfig
from compare.study.pairs import check_batched, parity, train_many, train_separately, trajectory_record
from compare.trajectory.verdict import compare_histories
from handmade.contract.plan import TrainPlan
from handmade.contract.runs import History
from handmade.contract.spec import MLPSpec
from handmade.data import letters

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_quick(out, lang="en"):
    """Run the quick study; return (exit code, what it printed)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["study", "--quick", "--out", str(out), "--lang", lang, "--seed", "0"])
    return code, printed.getvalue()


@pytest.fixture(scope="module")
def en(tmp_path_factory):
    out = tmp_path_factory.mktemp("study_en")
    code, printed = run_quick(out)
    return {"dir": out, "code": code, "printed": printed, "md": (out / "report.md").read_text(encoding="utf-8"),
            "html": (out / "report.html").read_text(encoding="utf-8"),
            "json": json.loads((out / "results.json").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def ru(tmp_path_factory):
    out = tmp_path_factory.mktemp("study_ru")
    code, _ = run_quick(out, "ru")
    return {"dir": out, "code": code, "md": (out / "report.md").read_text(encoding="utf-8"),
            "json": json.loads((out / "results.json").read_text(encoding="utf-8"))}


# -- helpers ----------------------------------------------------------------------------------------

def tables(md: str) -> list[list[list[str]]]:
    """Every Markdown table as a list of rows (header first) of cell strings."""
    found, current = [], []
    for line in md.splitlines():
        if line.startswith("|"):
            if not re.fullmatch(r"\|(-+\|)+", line):
                current.append([c.strip() for c in line.strip("|").split(" | ")])
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def table_with(md: str, first_header: str, must_contain: str) -> list[list[str]]:
    for table in tables(md):
        if table[0][0] == first_header and must_contain in table[0]:
            return table
    raise AssertionError(f"no table starting with {first_header!r} and a column {must_contain!r}")


def parse(cell: str) -> float | None:
    """A formatted number back to a float (shares as fractions); None if the cell is not a number."""
    try:
        return float(cell[:-1]) / 100 if cell.endswith("%") else float(cell)
    except ValueError:
        return None


def close(cell: str, value) -> bool:
    """The cell shows ``value``, up to the report's rounding (4 significant digits / 2 decimals / whole %)."""
    if value is None:
        return cell == "-"
    got = parse(cell)
    if got is None:
        return False
    if cell.endswith("%"):
        return abs(got - value) <= 0.005 + 1e-12
    return abs(got - value) <= 6e-3 * abs(value) + 1e-300


def numbers_in(obj) -> np.ndarray:
    out = []

    def walk(o):
        if isinstance(o, dict):
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
        elif isinstance(o, (int, float)) and not isinstance(o, bool):
            out.append(float(o))

    walk(obj)
    return np.array(out)


# -- the run and its files -------------------------------------------------------------------------

def test_quick_study_passes_and_says_where_the_report_is(en):
    printed = en["printed"]
    assert en["code"] == 0
    assert f"report: {en['dir'] / 'report.md'}" in printed
    assert re.search(r"parity: \d+ comparisons \(\d+ with torch, \d+ batched vs alone\), 0 failed", printed)


def test_every_linked_figure_exists_and_is_a_png(en):
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", en["md"])
    assert len(linked) == len(set(linked)) >= 11
    assert set(linked) == set(en["json"]["figures"].values())
    for rel in linked:
        data = (en["dir"] / rel).read_bytes()
        assert len(data) > 1000 and data.startswith(PNG_MAGIC), rel
    # The HTML is self-contained: every figure embedded, none linked.
    assert en["html"].count('src="data:image/png;base64,') == len(linked)
    assert 'src="figures/' not in en["html"]


def test_figures_drawn_by_the_workers_are_those_drawn_here_from_results_json(en, tmp_path):
    """The study draws its figures on worker processes; drawn here, one after the other, from
    results.json alone, every figure is the same PNG byte for byte."""
    files = plots.draw_all(en["json"], tmp_path, StudyConfig.quick_preset().dpi, lambda note="": None)
    assert files == en["json"]["figures"]
    for rel in files.values():
        assert (tmp_path / rel).read_bytes() == (en["dir"] / rel).read_bytes(), rel


def test_results_summary_is_the_sum_of_the_sections(en):
    res = en["json"]
    sections = res["parity"]["sections"]
    assert set(sections) == {"task1", "task2", "task3", "theory", "batched"}
    assert res["summary"]["checks"] == sum(s["checks"] for s in sections.values()) > 100
    assert res["summary"]["failed"] == 0 and en["code"] == 0
    assert res["summary"]["worst_rel_diff"] == max(s["worst_rel_diff"] for s in sections.values())
    # every cell of task 2 (scheme x rate) and of task 3 ran on the torch side too; task 2 has >= 8 schemes
    assert len(res["task2"]["schemes"]) >= 8 and len(res["task2"]["rates"]) >= 4
    assert len(res["task2"]["cells"]) == len(res["task2"]["schemes"]) * len(res["task2"]["rates"])
    assert all(c["torch_runs"] >= 1 for c in res["task2"]["cells"])
    assert all(c["torch_runs"] == c["n"] for c in res["task3"]["learning_rates"] + res["task3"]["activations"])


# -- the report's numbers are results.json's numbers -----------------------------------------------

def test_parity_summary_in_report_matches_json(en):
    s = en["json"]["summary"]
    batched = en["json"]["parity"]["sections"]["batched"]["checks"]
    assert f"**All {s['checks']} comparisons passed** ({s['checks'] - batched} handmade against torch, {batched} " \
           f"batched training against separate runs); worst relative difference {num(s['worst_rel_diff'])}" in en["md"]
    table = table_with(en["md"], "section", "comparisons")
    assert len(table) - 1 == len(en["json"]["parity"]["sections"])
    for row, (name, sec) in zip(table[1:], en["json"]["parity"]["sections"].items()):
        assert row[0] == ("batched vs alone" if name == "batched" else name.replace("task", "task "))
        assert int(row[1]) == sec["checks"] and int(row[2]) == sec["failed"]
        assert close(row[3], sec["worst_rel_diff"])


def test_task1_table_matches_json(en):
    out = en["json"]["task1"]["outputs"]
    table = table_with(en["md"], "letter", "predicted (h)")
    assert [row[0] for row in table[1:]] == ["a", "b", "c"]
    for i, row in enumerate(table[1:]):
        assert all(close(c, v) for c, v in zip(row[1:4], out["handmade"][i])), row
        assert row[4] == out["predicted_handmade"][i]
        assert all(close(c, v) for c, v in zip(row[5:8], out["torch"][i])), row
        assert row[8] == out["predicted_torch"][i]
    rob = en["json"]["task1"]["robustness"]
    table = table_with(en["md"], "flipped pixels", "accuracy (h)")
    for row, f, a, b in zip(table[1:], rob["flips"], rob["accuracy_handmade"], rob["accuracy_torch"]):
        assert int(row[0]) == f and close(row[2], a) and close(row[3], b)


def test_task2_table_matches_json(en):
    t2 = en["json"]["task2"]
    verdict = next(v for v in t2["verdicts"] if v["lr"] == t2["main_lr"])
    cells = {c["scheme"]: c for c in t2["cells"] if c["lr"] == t2["main_lr"]}
    names = {key: task2_report.name(key, "en") for key in cells}
    table = table_with(en["md"], "scheme", "p (Holm)")
    h = table[0]
    assert [row[0] for row in table[1:]] == [names[k] for k in verdict["order"]]  # leader first
    for row in table[1:]:
        key = next(k for k, n in names.items() if n == row[0])
        c = cells[key]
        assert close(row[h.index("reached")], c["reach_share"])
        lo, hi = c["median_epochs_ci"]
        if c["median_epochs"] <= t2["budget"]:
            assert close(row[h.index("epochs (median)")], c["median_epochs"])
            assert row[h.index("95% interval", h.index("epochs (median)"))].startswith(f"[{num(lo)}, ")
        if key != verdict["leader"]:
            assert close(row[h.index("p (Holm)")], verdict["against_leader"][key]["p_holm"])
        assert close(row[h.index("worst rel diff")], c["worst_rel_diff"])


def test_task3_and_cost_tables_match_json(en):
    t3 = en["json"]["task3"]
    lr_table = table_with(en["md"], "learning rate", "torch runs")
    assert len(lr_table) - 1 == len(t3["learning_rates"])
    for row, c in zip(lr_table[1:], t3["learning_rates"]):
        assert close(row[0], c["lr"]) and close(row[1], c["reach_share"])
        if c["median_epochs"] <= t3["budget"]:
            assert close(row[3], c["median_epochs"])
        else:
            # the median run never got there: shown as such, and so is the interval's upper end
            assert row[3] == "not reached" and row[4].endswith(f", > {t3['budget']}]")
    timings = en["json"]["timings"]["activation_cost"]
    cost_table = table_with(en["md"], "statement", "sigmoid / ReLU")
    rows = [r for kind in cost.KINDS for r in timings[kind]]
    assert len(cost_table) - 1 == len(rows)
    for row, r in zip(cost_table[1:], rows):
        assert close(row[2], r["relu_us"]) and close(row[3], r["sigmoid_us"]) and close(row[4], r["ratio"])


def test_every_number_in_every_table_is_in_results_json(en):
    known = numbers_in(en["json"])
    for table in tables(en["md"]):
        for row in table[1:]:
            for cell in row:
                value = parse(cell)
                if value is None:
                    continue
                tol = 0.005 if cell.endswith("%") else 6e-3 * abs(value)
                assert np.any(np.abs(known - value) <= tol + 1e-300), f"{cell!r} (row {row}) not in results.json"


# -- what the study claims -------------------------------------------------------------------------

def test_trained_network_predicts_abc_on_both_sides(en):
    out = en["json"]["task1"]["outputs"]
    for side in ("handmade", "torch"):
        s = np.array(out[side])
        assert list(s.argmax(axis=1)) == [0, 1, 2]
        assert np.max(np.abs(s - np.eye(3))) < 0.2  # near the one-hot targets, not just the right argmax
        assert out[f"predicted_{side}"] == ["a", "b", "c"]
    assert "Both implementations predict a, b and c correctly." in en["md"]


def test_conclusions_follow_the_numbers(en):
    res = en["json"]
    # task 1: break one output row and the verdict changes
    t1 = copy.deepcopy(res["task1"])
    t1["outputs"]["handmade"][0] = [0.0, 1.0, 0.0]
    assert task1.conclude(res["task1"], "en")[0] != task1.conclude(t1, "en")[0]
    assert "handmade" in task1.conclude(t1, "en")[0]
    # task 2: the verdict names a winner only when the separation says so
    t2 = copy.deepcopy(res["task2"])
    v = next(v for v in t2["verdicts"] if v["lr"] == t2["main_lr"])
    v.update(winner=v["leader"], top=[v["leader"]], behind=v["order"][1:])
    for other in v["order"][1:]:
        v["pairs"][f"{v['leader']} | {other}"] = v["pairs"].get(f"{v['leader']} | {other}") or {
            "p": 0.001, "p_holm": 0.01, "lower_share": 0.9, "separated": True}
        v["against_leader"][other].update(p_holm=0.01, separated=True)
    won = " ".join(task2_report.main_verdict(t2, "en"))
    assert f"**Answer at lr 0.1: {task2_report.name(v['leader'], 'en')}.**" in won
    v.update(winner=None, top=v["order"][:2], behind=v["order"][2:])
    assert "there is no single best scheme" in " ".join(task2_report.main_verdict(t2, "en"))
    # task 3: the sigmoid sentence follows the test
    t3 = copy.deepcopy(res["task3"])
    key = "sigmoid | relu" if "sigmoid | relu" in t3["act_verdict"]["pairs"] else "relu | sigmoid"
    t3["act_verdict"]["pairs"][key]["separated"] = True
    assert "separated by the test" in task3_report.sigmoid_line(t3, "en")
    t3["act_verdict"]["pairs"][key]["separated"] = False
    assert "does not separate" in task3_report.sigmoid_line(t3, "en")
    # the 4-6x claim: the verdict follows the measured ratio, size by size
    timings = copy.deepcopy(res["timings"]["activation_cost"])
    for ratio, verdict in ((5.0, "within the lesson's 4–6x"), (9.0, "above 4–6x"), (1.5, "below 4–6x")):
        for row in timings["numpy_f"]:
            row["ratio"] = ratio
        assert verdict in cost.conclude(timings, {}, "en")[0]
    # vanishing gradients: whichever activation shrinks most is named
    vg = copy.deepcopy(res["theory"]["vanishing"])
    vg["activations"]["relu"]["first_over_last"] = 1e-9
    assert "vanishes most with relu" in theory.conclude_vanishing(vg, "en")[-1]


def test_same_seed_same_results_in_any_language(en, ru):
    """Two quick runs with seed 0 (English, Russian): results.json equal once the timings are dropped."""
    a = {k: v for k, v in en["json"].items() if k != "timings"}
    b = {k: v for k, v in ru["json"].items() if k != "timings"}
    assert a == b
    assert set(en["json"]["timings"]) >= {"activation_cost", "sections_seconds", "total_seconds"}


def test_russian_report(ru):
    md = ru["md"]
    assert ru["code"] == 0
    assert md.startswith("# Полносвязные нейронные сети")
    for heading in ("## Задача 1.", "## Задача 2.", "## Задача 3.", "## Теория наглядно", "### Вывод"):
        assert heading in md
    assert "Обе реализации верно распознают a, b и c." in md
    assert "Both implementations" not in md and "Task 1" not in md.replace("Task 1 /", "")
    assert "--lang ru" in md  # the reproduce line
    # scheme names as the Russian literature has them, decimal commas, no English verdicts
    assert "нормальная Хе (Каймина)" in md and "равномерная Ксавье (Глоро)" in md
    assert "kaiming normal" not in md.lower().replace("`kaiming_normal`", "")
    prose = re.sub(r"`[^`]*`", "", md[md.index("## Задача 2."):md.index("## Теория наглядно")])
    assert not re.search(r"\d\.\d", prose), re.search(r".{30}\d\.\d.{30}", prose).group(0)
    assert " - " not in prose  # dashes, not hyphens
    # plural agreement: no "21 эпох" or "5 эпохи" (a fraction, "42,5 эпохи", is right)
    assert not re.search(r"(?<![\d,])(1|21|31) эпох\b|(?<![\d,])([5-9]|1[0-9]|20) эпохи\b", md)
    assert re.search(r"\d+(,\d+)? (эпоха|эпохи|эпох)\b", prose)


def test_console_summary_in_the_reports_language(tmp_path):
    from compare.study.console import summary_lines
    from compare.study.runner import StudyOutput

    out = StudyOutput({"task1": {"outputs": {"predicted_handmade": list("abc"), "predicted_torch": list("abc")}},
                       "task2": {"main_lr": 0.1, "verdicts": [{"lr": 0.1, "winner": None, "leader": "kaiming_normal",
                                                               "top": ["kaiming_normal", "kaiming_uniform"]}]},
                       "parity": {"sections": {"batched": {"checks": 2}}, "worst_record": "x", "failures": ["y"]},
                       "summary": {"checks": 10, "failed": 1, "worst_rel_diff": 1e-14},
                       "timings": {"total_seconds": 12.34}},
                      tmp_path / "report.md", tmp_path / "report.html", tmp_path / "results.json")
    ru = "\n".join(summary_lines(out, "ru"))
    assert "задача 2: при скорости 0,1 единственной лучшей инициализации нет" in ru
    assert "нормальная Хе (Каймина), равномерная Хе (Каймина)" in ru
    assert "НЕ ПРОЙДЕНО: y" in ru and "время работы 12,3 с" in ru and "отчёт:" in ru
    en = "\n".join(summary_lines(out, "en"))
    assert "no single best initialisation" in en and "wall time 12.3 s" in en


# -- pieces ------------------------------------------------------------------------------------------

def test_train_many_sides_agree_and_a_perturbed_curve_fails():
    """Pairs are judged by the harness's trajectory verdict (compare.trajectory.verdict)."""
    X, Y = letters()
    specs = [MLPSpec(init="xavier_uniform", seed=s) for s in (1, 2)]
    plan = TrainPlan(lr=0.1, epochs=30)
    mine, ref = train_many(specs, X, Y, plan, "handmade"), train_many(specs, X, Y, plan, "torch")
    for spec, h, t in zip(specs, mine, ref):
        record = parity("curve", spec, plan, h, t, X, Y)
        assert record.passed and record.shape == (30,) and record.max_rel_diff < 1e-13
        assert record.note.startswith("match") and record.tolerance == tolerance_for("float64").trajectory
    bad = History(loss=ref[0].loss * (1 + 1e-6), final_params=ref[0].final_params)
    # Judged on the curves alone, a loss curve off by 1e-6 is a mismatch ...
    record = trajectory_record("perturbed", compare_histories(specs[0], plan, mine[0], bad))
    assert not record.passed and record.note.startswith("mismatch") and record.max_rel_diff > 1e-7
    # ... and parity() then re-synchronises: both sides retake every step from the handmade state, those
    # agree (the implementations are the same), so the parting is called sensitive dynamics, not a bug.
    record = parity("perturbed", specs[0], plan, mine[0], bad, X, Y)
    assert record.passed and record.note.startswith("sensitive dynamics")
    assert record.tolerance == tolerance_for("float64").step
    with pytest.raises(ValueError, match="side must be"):
        train_many(specs, X, Y, plan, "jax")


def test_task2_trains_in_one_batch_per_side_and_checks_members_alone(en):
    """Every scheme x seed in one batch; each scheme's first seed and the last member retrained alone."""
    cfg = StudyConfig.quick_preset(0)
    b = en["json"]["task2"]["batched"]
    n = len(INIT_SCHEMES) * cfg.init_seeds
    assert b["handmade_members"] == n and b["torch_members"] == len(INIT_SCHEMES) * cfg.init_torch_seeds
    checked = [m["member"] for m in b["members"]]
    assert checked == [s * cfg.init_seeds for s in range(len(INIT_SCHEMES))] + [n - 1]
    # every init scheme is among the members retrained alone
    assert {m["init"] for m in b["members"]} == {init for _, init in INIT_SCHEMES}
    assert b["checks"] == 2 * len(checked) == en["json"]["parity"]["sections"]["batched"]["checks"]
    assert b["failed"] == 0 and b["loss_rel_diff"] <= 1e-13 and b["params_rel_diff"] <= 1e-13
    records = en["json"]["parity"]["records"]["batched"]
    assert {r["kind"] for r in records} == {"batched"} and len(records) == b["checks"]
    assert all(r["kind"] != "batched" for name, recs in en["json"]["parity"]["records"].items()
               if name != "batched" for r in recs)
    assert (f"{b['members_checked']} of them were trained again alone with `handmade.train`: loss curves differ by "
            f"at most {num(b['loss_max_abs_diff'])}") in en["md"]


def test_train_many_batches_each_shape_once_and_equals_separate_runs(monkeypatch):
    calls = []
    real = handmade.fast.batched.train_batched

    def counting(specs, *args):
        calls.append([s.seed for s in specs])
        return real(specs, *args)

    monkeypatch.setattr(handmade.fast.batched, "train_batched", counting)
    X, Y = letters()
    plan = TrainPlan(lr=0.1, epochs=25)
    # two shapes interleaved (relu, tanh), different inits: results must come back in the order given
    specs = [MLPSpec(init="kaiming_normal", seed=1), MLPSpec(activation="tanh", init="xavier_normal", seed=2),
             MLPSpec(init="zeros", seed=3), MLPSpec(init="standard_normal", seed=4),
             MLPSpec(activation="tanh", init="orthogonal", seed=5), MLPSpec(activation="sigmoid", seed=6)]
    together = train_many(specs, X, Y, plan)
    assert sorted(calls) == [[1, 3, 4], [2, 5]]  # the lone sigmoid net is trained alone, not in a batch
    alone = train_separately(specs, X, Y, plan)
    tol = tolerance_for("float64").trajectory
    for spec, a, b in zip(specs, together, alone):
        assert a.loss.shape == b.loss.shape == (25,), spec
        assert rel_diff(a.loss, b.loss) <= tol, spec
        assert all(rel_diff(a.final_params[k], b.final_params[k]) <= tol for k in b.final_params), spec
    # the curves differ from one spec to the next, so a mix-up of the order could not pass the loop above
    assert rel_diff(alone[0].loss, alone[2].loss) > 1e-3 and rel_diff(alone[1].loss, alone[4].loss) > 1e-3


def test_check_batched_catches_a_member_that_differs_from_its_separate_run():
    X, Y = letters()
    plan = TrainPlan(lr=0.1, epochs=20)
    specs = [MLPSpec(init="xavier_uniform", seed=s) for s in (7, 8)]
    (alone,) = train_separately(specs[:1], X, Y, plan)
    good = train_many(specs, X, Y, plan)
    drifted = {k: v.copy() for k, v in good[1].final_params.items()}
    drifted["layers.1.bias"][0] += 1e-7
    bad = History(loss=good[1].loss, final_params=drifted)
    records, summary = check_batched("t", specs, [good[0], bad], [0, 1], X, Y, plan)
    assert [r.passed for r in records] == [True, True, True, False]  # member 1's loss is fine, its params are not
    assert summary["failed"] == 1 and summary["members_checked"] == 2 and summary["checks"] == 4
    # 1e-7 added to a bias of size ~0.1 measures as 1e-7 up to the rounding of that sum.
    assert summary["params_max_abs_diff"] >= 0.99e-7 and summary["members"][0]["params_identical"] \
        == bool(np.array_equal(alone.final_params["layers.0.weight"], good[0].final_params["layers.0.weight"]))
    assert all(r.kind == "batched" for r in records)


def test_exit_code_is_1_when_a_comparison_fails(monkeypatch, tmp_path, en):
    import compare.study as study
    from compare.study.runner import StudyOutput

    failing = copy.deepcopy(en["json"])
    failing["summary"]["failed"] = 1
    failing["parity"]["failures"] = ["task1: loss curve"]
    fake = StudyOutput(failing, tmp_path / "report.md", tmp_path / "report.html", tmp_path / "results.json")
    monkeypatch.setattr(study, "run_study", lambda *a, **k: fake)
    assert main(["study", "--quick", "--out", str(tmp_path)]) == 1


def test_bad_language_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["study", "--lang", "fr"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_help_does_not_import_torch():
    code = ("import sys; from compare.cli.main import build_parser; build_parser(); "
            "import compare.cli.study; assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_sentence_exists_in_both_languages_with_the_same_blanks():
    from string import Formatter

    from compare.study.i18n import LABELS, LANGS, TEXT

    def blanks(text):
        return {name for _, name, _, _ in Formatter().parse(text) if name}

    for key, by_lang in TEXT.items():
        assert set(by_lang) == set(LANGS), key
        assert blanks(by_lang["en"]) == blanks(by_lang["ru"]), key
    assert all(en and ru for en, ru in LABELS.values())
