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
from compare.study import cost, task1, task2_init, task3_training, theory
from compare.study.blocks import num
from compare.study.config import INIT_SCHEMES, StudyConfig
from compare.study.pairs import check_batched, compare_histories, train_many, train_separately
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


def test_results_summary_is_the_sum_of_the_sections(en):
    res = en["json"]
    sections = res["parity"]["sections"]
    assert set(sections) == {"task1", "task2", "task3", "theory", "batched"}
    assert res["summary"]["checks"] == sum(s["checks"] for s in sections.values()) > 100
    assert res["summary"]["failed"] == 0 and en["code"] == 0
    assert res["summary"]["worst_rel_diff"] == max(s["worst_rel_diff"] for s in sections.values())
    # every initialisation scheme ran on the torch side too, and task 2 has >= 8 schemes
    assert len(res["task2"]["schemes"]) >= 8
    assert all(s["torch_runs"] >= 1 for s in res["task2"]["schemes"])


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
    schemes = {s["name"]: s for s in en["json"]["task2"]["schemes"]}
    table = table_with(en["md"], "scheme", "reached")
    h = table[0]
    assert len(table) - 1 == len(schemes)
    for row in table[1:]:
        s = schemes[row[0]]
        for col, key in (("final loss (median)", "median_final_loss"), ("reached", "reach_share"),
                         ("epochs (median)", "median_epochs_to_threshold"), ("dead at start", "dead_start"),
                         ("worst rel diff", "worst_rel_diff")):
            assert close(row[h.index(col)], s[key]), (row[0], col)
    assert table[1][0] == en["json"]["task2"]["best"]


def test_task3_and_cost_tables_match_json(en):
    lr_table = table_with(en["md"], "learning rate", "final loss (h)")
    for row, run in zip(lr_table[1:], en["json"]["task3"]["learning_rates"]):
        assert close(row[0], run["lr"]) and close(row[1], run["final_loss_handmade"])
        assert close(row[2], run["final_loss_torch"]) and close(row[3], run["epochs_to_threshold_handmade"])
    timings = en["json"]["timings"]["activation_cost"]
    cost_table = table_with(en["md"], "activation", "handmade ms")
    for row in cost_table[1:]:
        assert close(row[1], timings[row[0]]["handmade_ms"]) and close(row[3], timings[row[0]]["torch_ms"])


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
    # task 2: make the lesson's first try the fastest and it becomes the best
    t2 = copy.deepcopy(res["task2"])
    sn = next(s for s in t2["schemes"] if s["init"] == "standard_normal")
    sn.update(reach_share=1.0, median_epochs_to_threshold=1.0)
    assert "Best: **standard normal**" in " ".join(task2_init.conclude(t2, "en"))
    assert "Best: **standard normal**" not in " ".join(task2_init.conclude(res["task2"], "en"))
    # task 3: a different epoch count for sigmoid gives a different ratio
    t3 = copy.deepcopy(res["task3"])
    by = {r["activation"]: r for r in t3["activations"]}
    by["relu"]["epochs_to_threshold_handmade"] = 10
    by["sigmoid"]["epochs_to_threshold_handmade"] = 35
    assert "Sigmoid needed 3.5x as many epochs as ReLU." in task3_training.conclude_act(t3, "en")
    # the 4-6x claim: the verdict follows the measured ratio
    timings = copy.deepcopy(res["timings"]["activation_cost"])
    for ratio, verdict in ((5.0, "within"), (9.0, "more than"), (1.5, "less than")):
        timings["sigmoid"]["handmade_vs_relu"] = ratio
        assert verdict in cost.conclude(timings, res["task3"], "en")[0]
    # vanishing gradients: whichever activation shrinks most is named
    v = copy.deepcopy(res["theory"]["vanishing"])
    v["activations"]["relu"]["first_over_last"] = 1e-9
    assert "vanishes most with relu" in theory.conclude_vanishing(v, "en")[-1]


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


# -- pieces ------------------------------------------------------------------------------------------

def test_train_many_sides_agree_and_a_perturbed_curve_fails():
    X, Y = letters()
    specs = [MLPSpec(init="xavier_uniform", seed=s) for s in (1, 2)]
    plan = TrainPlan(lr=0.1, epochs=30)
    mine, ref = train_many(specs, X, Y, plan, "handmade"), train_many(specs, X, Y, plan, "torch")
    for h, t in zip(mine, ref):
        record, diff = compare_histories("curve", h, t)
        assert record.passed and diff.shape == (30,) and diff.max() < 1e-14
    bad = History(loss=ref[0].loss * (1 + 1e-6), final_params={})
    record, _ = compare_histories("perturbed", mine[0], bad)
    assert not record.passed
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
