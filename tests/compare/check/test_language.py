"""The report card in the student's language: every sentence has its Russian, and a Russian card says no English.

The catalogues (``compare/check/text``, ``compare/sandbox/text``) are checked as data: the same keys
and blanks in both languages, noun forms for every plural, a template for every finding code and
every sentence key the source says (read with ``ast``). Then real checks - a correct class,
mutants of the catalogue, a class that times out, classes the tool cannot check in full - are
rendered in Russian: no English sentence of the catalogue, no English check name, numbers with a
decimal comma; the English rendering is the one the other tests read.
"""

from __future__ import annotations

import ast
import io
import json
import re
import string
from pathlib import Path

import numpy as np
import pytest

from compare.check import CheckConfig
from compare.check.checker import run_check
from compare.check.diagnoses.shapes import shape_findings
from compare.check.findings import Finding
from compare.check.report import render, to_html
from compare.check.results import Report
from compare.check.texts import TEXT
from compare.cli.main import main
from compare.language.catalogue import LANGS, Catalogue, Said
from compare.sandbox import wire
from compare.sandbox.texts import TEXT as SANDBOX_TEXT
from handmade.contract.errors import InvalidInput
from handmade.losses import LOSSES

from .test_check import CATALOGUE, write
from .test_discovery import IMPLICIT_RATE, sigmoid_half_sse

ROOT = Path(__file__).resolve().parents[3]
FOLDERS = {"check": ROOT / "compare/check/text", "sandbox": ROOT / "compare/sandbox/text"}
SOURCES = sorted((ROOT / "compare/check").rglob("*.py")) + sorted((ROOT / "compare/sandbox").rglob("*.py"))
F64 = ("float64",)


def blanks(template: str) -> dict[str, str]:
    """name -> conversion of every blank (format specs may differ: Russian agrees nouns with numbers)."""
    return {name: conversion or "" for _, name, _, conversion in string.Formatter().parse(template) if name}


# -- the catalogues as data ----------------------------------------------------------------------------
@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_every_sentence_exists_in_both_languages_with_the_same_blanks(folder):
    texts = {lang: json.loads((FOLDERS[folder] / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGS}
    assert set(texts["en"]) == set(texts["ru"])
    for key in texts["en"]:
        assert blanks(texts["en"][key]) == blanks(texts["ru"][key]), key
        assert texts["ru"][key].strip(), key


def test_nouns_have_their_forms_and_every_plural_blank_a_noun():
    for key, forms in TEXT.templates.items():
        if key.startswith("noun."):
            assert [len(forms[lang].split("|")) for lang in LANGS] == [2, 3], key
    for key, by_lang in TEXT.templates.items():
        for lang, template in by_lang.items():
            for _, _, spec, _ in string.Formatter().parse(template):
                if spec and spec.startswith("@"):
                    assert f"noun.{spec[1:]}" in TEXT.templates, f"{key} ({lang}): no noun {spec[1:]}"


def test_the_russian_says_no_english_word_of_its_own():
    """Identifiers, code and formulas stay as they are; the words around them are Russian."""
    english = re.compile(r"\b(the|is|of|and|not|with|from|which|when|returns?|gradients?|weights?|loss|output|"
                         r"layers?|match(es)?|found|called|within|learning|rate|sample|epochs?)\b")
    code = re.compile(r"`[^`]*`|--[\w-]+(?: \w+)?|\b\w+\([^)]*\)|\b[\w.]+ [-+*/]?= [^,;)]+")
    for key, by_lang in TEXT.templates.items():
        if key.startswith(("formula.", "noun.")):
            continue
        prose = code.sub("", re.sub(r"\{[^}]*\}", "", by_lang["ru"]))
        assert not english.search(prose), f"{key}: {by_lang['ru']}"


def _calls(name: str):
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name)) and \
                    (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == name:
                yield path, node


def _constants(node) -> list[str | None] | None:
    """The values a constant argument (or a constant choice ``a if c else b``) can take; None if not constant."""
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, other = _constants(node.body), _constants(node.orelse)
        return body + other if body is not None and other is not None else None
    return None


def test_every_finding_the_checker_makes_has_a_template():
    """Each ``Finding.of(code, variant, ...)`` names a constant code (and variant): its template exists. (A
    finding told at more length, ``extended("fixed")``, is tested on the findings it extends, below.)"""
    seen = set()
    for path, node in _calls("of"):
        if not (isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "Finding") or path.name == "findings.py":
            continue
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        codes = _constants(node.args[0])
        variants = _constants(node.args[1]) if len(node.args) > 1 else [None]
        assert codes is not None and variants is not None, f"{where}: the code and variant must be constants"
        for code in codes:
            for variant in variants:
                key = f"finding.{code}" + (f".{variant}" if variant else "")
                assert key in TEXT.templates, f"{where}: no template {key}"
                seen.add(code)
    assert len(seen) >= 50   # the checker's vocabulary: about 50 codes


def test_every_sentence_the_source_says_is_in_its_catalogue():
    """``say("key", ...)`` with a constant key: in the sandbox's own catalogue for the sandbox (the process that
    runs the user's code says them alone), in the checker's for the checker."""
    keys = 0
    for path, node in _calls("say"):
        key = _constants(node.args[0]) if node.args else None
        if key is None:
            continue   # built from a name (f"loss.{name}"): the tests below go through every name
        catalogue = SANDBOX_TEXT if "sandbox" in path.parts else TEXT
        for k in key:
            assert k in catalogue.templates, f"{path.relative_to(ROOT)}:{node.lineno}: no sentence {k}"
            keys += 1
    assert keys > 100
    assert all(f"loss.{name}" in TEXT.templates and f"formula.{name}" in TEXT.templates for name in LOSSES)
    # The catalogue's words for a loss are the registry's own description (the English must not drift).
    assert all(TEXT.text(f"loss.{name}", "en") == entry.description for name, entry in LOSSES.items())


def test_a_number_is_written_as_the_language_writes_it():
    finding = Finding.of("factor", name="dW2", factor=7.5, meaning=TEXT.say("meaning.half_sum", half_m=7.5))
    assert finding.message == ("dW2 = 7.5 x torch's: the half-sum 1/2 sum (s - y)^2 where torch takes the mean "
                               "(factor N*out/2 = 7.5)")
    assert finding.say("ru") == ("dW2 равен значению torch, умноженному на 7,5: полусумма 1/2 sum (s - y)^2 там, где "
                                 "torch берёт среднее (множитель N*out/2 = 7,5)")
    small = Finding.of("backward_wrong", param="W1", loss="mse", fd_rel=1.24e-05)
    assert "(rel 1.2e-05)" in small.message and "(отн. расхождение 1,2·10⁻⁵)" in small.say("ru")
    assert "−0,5" in Finding.of("factor", name="db1", factor=-0.5, meaning="").say("ru")
    nan = Finding.of("not_finite", name="dW2", count=21)
    assert nan.message == "dW2 contains 21 NaN/inf value(s)" and nan.say("ru") == "dW2 содержит 21 значение NaN/inf"
    assert Finding.of("not_finite", name="dW2", count=3).say("ru") == "dW2 содержит 3 значения NaN/inf"


def test_a_sentence_that_cannot_be_said_in_russian_is_said_in_english():
    """A sentence from the user's process is any JSON: an unknown key, or values its template cannot take."""
    assert TEXT.render(Said("backward raised", "no.such.key", {}), "ru") == "backward raised"
    bad = Said("forward(X) did not return within 0.5 s", "call.timed_out", {"what": "forward(X)", "seconds": "x"})
    assert TEXT.render(bad, "ru") == "forward(X) did not return within 0.5 s"
    with pytest.raises(InvalidInput, match="supported languages are: en, ru"):
        TEXT.text("report.overview", "fr")


def test_a_sentence_crosses_the_wire_whole_and_a_forged_one_is_opaque():
    sentence = SANDBOX_TEXT.say("call.timed_out_at", what=SANDBOX_TEXT.say("what.running", label="a.py"), seconds=0.5,
                                at=SANDBOX_TEXT.say("call.at_line", file="a.py", line=3, code="while True: pass"))
    stream = io.BytesIO()
    wire.send(stream, {"error": sentence})
    stream.seek(0)
    got = wire.receive(stream)["error"]
    assert got == sentence and got.values["at"].key == "call.at_line" and TEXT.render(got, "ru") == \
        "запуск a.py: превышен лимит времени 0,5 с (выполнение прервано в a.py, строка 3: `while True: pass`)"
    assert isinstance(wire.decode({"__said__": ["text", 3]}, []), wire.Opaque)
    assert wire.decode({"__said__": ["text", ["not a key"], "no values"]}, []) == Said("text")


def test_a_catalogue_refuses_a_key_defined_twice(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        for lang in LANGS:
            (tmp_path / folder / f"{lang}.json").write_text('{"same": "x"}')
    with pytest.raises(ValueError, match="'same' is defined twice"):
        Catalogue(tmp_path / "a", tmp_path / "b")


def test_a_finding_told_at_more_length_keeps_its_code_and_values():
    status, per_sample = shape_findings("db2", np.zeros((5, 3)), (1, 3), 5)
    assert status == "per_sample" and per_sample.extended("fixed", verdict=TEXT.say("phrase.still_differs"),
                                                          rel_after_fix=0.5).message.endswith(
        "; summed over the batch, it still differs from torch's (rel 0.5)")
    status, problem = shape_findings("dW2", np.zeros((3, 16)), (16, 3), 5)
    fixed = problem.extended("fixed", verdict=TEXT.say("phrase.equals_torch"), rel_after_fix=0.0)
    assert status == "transposed" and fixed.code == "transposed" and fixed.details["shape"] == (3, 16)
    assert fixed.message.endswith("the gradient is transposed; transposed back, it equals torch's (rel 0)")
    assert fixed.say("ru").endswith("после обратного транспонирования он совпадает с torch (отн. расхождение 0)")
    # Said again from its JSON (the details are the values).
    again = Finding.from_dict(json.loads(json.dumps(fixed.to_dict())))
    assert again.say("ru") == fixed.say("ru") and again.say("en") == fixed.message


# -- real report cards -------------------------------------------------------------------------------------
NOT_UNDERSTOOD = '''
import numpy as np

class OnlyForward:
    def __init__(self, n_in, n_hidden, n_out):
        self.W1, self.W2 = np.ones((n_in, n_hidden)), np.ones((n_hidden, n_out))

    def forward(self, X):
        return np.maximum(X @ self.W1, 0) @ self.W2
'''

MUTANTS = ("sum_instead_of_mean", "transposed_weight_gradient", "stale_cache", "update_sign_flipped",
           "sigmoid_derivative_is_sigma", "printed_loss_is_sum", "forward_without_bias")


def _english_fragments() -> list[str]:
    """The words of every English sentence between its blanks (two words or more) that no Russian one uses."""
    russian = " ".join(by_lang["ru"] for by_lang in TEXT.templates.values())
    fragments = set()
    for key, by_lang in TEXT.templates.items():
        if key.startswith(("formula.", "noun.")) or by_lang["en"] == by_lang["ru"]:
            continue
        for literal, *_ in string.Formatter().parse(by_lang["en"]):
            for part in re.split(r"[:;()]", literal):
                part = part.strip(" ,.-")
                if len(re.findall(r"[A-Za-z]{2,}", part)) >= 2 and part not in russian:
                    fragments.add(part)
    return sorted(fragments)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Report]:
    folder = tmp_path_factory.mktemp("cards")
    by_name = {m.name: m for m in CATALOGUE.MUTANTS}
    found = {"correct": run_check(str(Path(CATALOGUE.CORRECT)), CheckConfig(dtypes=F64, timeout=10))}
    for name in MUTANTS:
        mutant = by_name[name]
        found[name] = run_check(write(folder, name, mutant.source()),
                                CheckConfig(dtypes=F64, timeout=10, **mutant.options))
    found["hangs"] = run_check(f"{Path(CATALOGUE.CORRECT).parent / 'misbehaving.py'}:HangingForward",
                               CheckConfig(dtypes=F64, timeout=0.5))
    found["rate_unknown"] = run_check(write(folder, "implicit", IMPLICIT_RATE.format(rate=0.5)),
                                      sigmoid_half_sse(dtypes=F64))
    found["not_understood"] = run_check(write(folder, "only_forward", NOT_UNDERSTOOD),
                                        CheckConfig(dtypes=F64, timeout=10))
    return found


def test_the_cards_cover_what_they_should(reports):
    assert reports["correct"].passed and reports["hangs"].check("forward output").codes() == ["timeout"]
    assert reports["rate_unknown"].status == reports["not_understood"].status == "not checked"
    assert not reports["not_understood"].checks


@pytest.mark.parametrize("name", ["correct", *MUTANTS, "hangs", "rate_unknown", "not_understood"])
def test_a_russian_card_says_no_english_sentence_and_no_english_check_name(reports, name):
    report = reports[name]
    assert [fragment for fragment in _english_fragments() if fragment in render(report)]   # the test can see
    for card in (render(report, "ru"), to_html(report, "ru")):
        said = [fragment for fragment in _english_fragments() if fragment in card]
        assert said == [], f"English in the Russian card of {name}: {said}\n{card}"
    for check in report.checks:
        assert TEXT.render(check.name, "ru") != str(check.name), check.name
    assert render(report) == render(report, "en") == report.render()
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))   # a report read back from a file
    assert render(again, "ru") == render(report, "ru") and to_html(again, "ru") == to_html(report, "ru")


def test_the_russian_card_reads_as_the_english_one_does(reports):
    """The same checks, numbers and verdict: only the words change (and the numbers' decimal sign)."""
    report = reports["sum_instead_of_mean"]
    english, russian = render(report).splitlines(), render(report, "ru").splitlines()
    assert russian[0] == english[0] == f"mlp-parity check {report.target}"
    rows = {" ".join(line.split()) for line in russian}
    assert {"градиент W2 ОШИБКА 0,9333", "выход прямого прохода верно 1,46·10⁻¹⁶", "обучение (10 эпох) ОШИБКА 1,184",
            "- dW2 равен значению torch, умноженному на 15: сумма квадратов там, где torch берёт среднее:",
            "* все градиенты равны градиентам torch, умноженным на 15: сумма квадратов там, где torch берёт"} <= rows
    assert russian[-1] == "12 проверок, из них с ошибкой — 7; наибольшее относительное расхождение 1,184: " \
                          "найдены расхождения с torch"
    html = to_html(report, "ru")
    assert "не пройдено" in html and "<th>проверка</th>" in html and "умноженный" not in html


def test_the_command_line_prints_the_russian_card_and_writes_the_same_json(tmp_path, capsys):
    out = tmp_path / "card.json"
    assert main(["check", str(CATALOGUE.CORRECT), "--lang", "ru", "--dtype", "float64", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1].endswith(": всё совпадает с torch")
    assert "выход прямого прохода верно" in " ".join(printed.split())
    written = json.loads(out.read_text())
    assert written["checks"][0]["name"] == "forward output" and written["status"] == "passed"   # English data
