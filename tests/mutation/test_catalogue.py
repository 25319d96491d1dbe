"""The mutation catalogue stays true without running it: every mutant applies, every killing test exists,
and docs/robustness.md shows the table the catalogue gives. (The run itself is a CI step:
``python tests/mutation/run.py``, see docs/robustness.md.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.mutation.run import ROOT, load, table


@pytest.fixture(scope="module")
def mutants():
    """The catalogue; load() refuses a stale one: an old text not found exactly once, a missing field, an id twice."""
    return load()


def test_the_catalogue_is_curated_and_spans_the_three_packages(mutants):
    assert len(mutants) >= 25
    assert {m.file.split("/")[0] for m in mutants} == {"handmade", "torch_ref", "compare"}


def test_every_killing_test_exists(mutants):
    missing = []
    for mutant in mutants:
        for node in mutant.tests:
            path, _, name = node.partition("::")
            function = name.split("[")[0]
            source = (ROOT / path).read_text() if (ROOT / path).is_file() else ""
            if not source or (function and not re.search(rf"^def {re.escape(function)}\(", source, re.MULTILINE)):
                missing.append(f"{mutant.id}: {node}")
    assert missing == []


def test_the_documented_table_is_the_catalogue(mutants):
    doc = (Path(ROOT) / "docs" / "robustness.md").read_text()
    assert table(mutants) in doc, "run `python tests/mutation/run.py --table` and paste it into docs/robustness.md"
