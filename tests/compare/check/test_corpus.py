"""``mlp-parity check`` on the corpus: networks written as courses write them, and renamed copies of them.

For every implementation of ``tests/compare/check/corpus`` (its manifest says what the checker must say),
in float64 and float32 in one ``run_check`` call:

* discovery understood it with no flags but a loss and activations: every parameter found where the
  class keeps it, with or without biases as the class has them;
* a correct one passes;
* a buggy one fails, first on the expected check (the gradient of the expected parameter, under the
  class's own name, or a state or training check), with the expected diagnosis.

Then the same for a copy of each implementation with every attribute, method and parameter key renamed
and the constructor's parameters reordered (``renaming``): discovery must not be keyed on the corpus's
names.
"""

from __future__ import annotations

import ast

import pytest

from compare.check import CheckConfig, render
from compare.check.checker import run_check
from compare.check.results import Report
from compare.check.subject import short_names
from compare.sandbox.layout import ParamLayout, path_text
from tests.compare.check.corpus import CASES, Case
from tests.compare.check.renaming import defined_names, renamed_path, transformed

DTYPES = ("float64", "float32")
TIMEOUT = 5.0   # seconds per call into the class: every corpus call takes milliseconds


def check(case: Case, target: str) -> Report:
    return run_check(f"{target}:{case.cls}", CheckConfig(**case.options, timeout=TIMEOUT))


def places(report: Report) -> dict[str, list[str]]:
    """torch key -> every place the plan says the class keeps that parameter."""
    return {p["key"]: [path_text(path) for path in p["paths"]] for p in report.plan["layouts"]}


def user_names(report: Report) -> dict[str, str]:
    """torch key -> the name the report gives the parameter (as on its check lines)."""
    return short_names([ParamLayout.from_message(p) for p in report.plan["layouts"]])


def first_failure_name(case: Case, report: Report) -> str:
    if case.fails.startswith("gradient ") and report.plan is not None:
        return f"gradient {user_names(report)[case.fails.split()[1]]}"
    return case.fails


def assert_understood(case: Case, report: Report, names: dict[str, str]) -> None:
    card = render(report)
    assert report.plan is not None, f"not understood:\n{card}"
    found = places(report)
    expected = {key: renamed_path(place, names) for key, place in case.params.items()}
    assert set(found) == set(expected), f"parameters {sorted(found)}, expected {sorted(expected)}:\n{card}"
    for key, place in expected.items():
        assert place in found[key], f"{key} found at {found[key]}, expected {place}:\n{card}"
    assert {c.dtype for c in report.checks} == set(DTYPES), card


def assert_verdict(case: Case, report: Report) -> None:
    """The verdict and the diagnosis the manifest expects; for a case that meets a known checker bug, that they
    are still wrong (an expected failure), and an error once they are right."""
    if case.checker_bug is None:
        _assert_verdict(case, report)
        return
    try:
        _assert_verdict(case, report)
    except AssertionError:
        pytest.xfail(f"known checker bug: {case.checker_bug}")
    pytest.fail(f"{case.module} now meets its expectation: the checker bug is fixed, remove checker_bug")


def _assert_verdict(case: Case, report: Report) -> None:
    card = render(report)
    if case.correct:
        assert report.status == "passed", card
        return
    assert report.status == "failed", card
    expected = first_failure_name(case, report)
    for dtype in DTYPES:
        failing = report.failing(dtype)
        assert failing and failing[0].name == expected, \
            f"{dtype}: first failure {failing[0].name if failing else None!r}, expected {expected!r}:\n{card}"
        shown = failing[0].findings + report.overview.get(dtype, []) + \
            [f for c in report.checks if c.dtype == dtype and not c.counted for f in c.findings]
        codes = [f.code for f in shown]
        for code in case.codes:
            assert code in codes, f"{dtype}: {expected} is diagnosed as {codes}, expected {code}:\n{card}"
        finding = next(f for f in shown if f.code == case.codes[0])
        for key, value in case.details.items():
            assert finding.details[key] == pytest.approx(value, abs=1e-3), card


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.module)
def test_corpus_implementation(case):
    report = check(case, str(case.path))
    assert_understood(case, report, {})
    assert_verdict(case, report)


@pytest.mark.parametrize("variant, case", list(enumerate(CASES)), ids=[c.module for c in CASES])
def test_renamed_and_reordered_copy(tmp_path, variant, case):
    source, names = transformed(case.source, case.cls, variant)
    path = tmp_path / f"renamed_{case.module}.py"
    path.write_text(source)
    report = check(case, str(path))
    assert_understood(case, report, names)
    assert_verdict(case, report)


def _constructor(tree: ast.Module, cls: str) -> list[str]:
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls)
    init = next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return [a.arg for a in init.args.args[1:]]


@pytest.mark.parametrize("variant, case", list(enumerate(CASES)), ids=[c.module for c in CASES])
def test_copies_share_no_defined_name_with_the_corpus(variant, case):
    original = ast.parse(case.source)
    source, names = transformed(case.source, case.cls, variant)
    copy = ast.parse(source)
    assert defined_names(original) == set(names)
    assert not defined_names(copy) & set(names), "a name the corpus defines survived the renaming"
    before, after = _constructor(original, case.cls), _constructor(copy, case.cls)
    assert sorted(before) == sorted(after)
    assert len(before) < 2 or before != after, "the constructor's parameters were not reordered"


def test_the_corpus_covers_the_issue():
    correct = [c for c in CASES if c.correct]
    buggy = [c for c in CASES if not c.correct]
    assert len(CASES) >= 16 and len(correct) >= 7 and len(buggy) >= 7
    assert {s for c in CASES for s in c.styles} == set(range(1, 8))
    losses = {c.options.get("loss", "mse") for c in CASES}
    assert {"bce", "ce", "half_sse_n"} <= losses
    assert len({c.codes[0] for c in buggy}) >= 10, "the bugs are of many kinds"
    # The issue's acceptance (14 implementations, 6 correct, 6 buggy, every style) by the cases the checker
    # gets right today: a case that meets a known checker bug does not count.
    met = [c for c in CASES if c.checker_bug is None]
    assert len(met) >= 14 and sum(c.correct for c in met) >= 6 and sum(not c.correct for c in met) >= 6
    assert {s for c in met for s in c.styles} == set(range(1, 8))
    assert {"bce", "ce"} <= {c.options.get("loss", "mse") for c in met}, "classifiers"
