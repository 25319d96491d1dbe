"""The mutation catalogue stays true without running it: every mutant applies, every killing test exists,
and docs/robustness.md shows the table the catalogue gives. (The run itself is a CI step:
``python tests/mutation/run.py``, see docs/robustness.md.)"""

from __future__ import annotations

import re
from pathlib import Path

from tests.mutation.run import ROOT, load, table

MUTANTS = load()  # refuses a stale catalogue: an old text not found exactly once, a missing field, an id twice


def test_the_catalogue_is_curated_and_spans_the_three_packages():
    assert len(MUTANTS) >= 25
    assert {m.file.split("/")[0] for m in MUTANTS} == {"handmade", "torch_ref", "compare"}


def test_every_killing_test_exists():
    missing = []
    for mutant in MUTANTS:
        for node in mutant.tests:
            path, _, name = node.partition("::")
            function = name.split("[")[0]
            source = (ROOT / path).read_text() if (ROOT / path).is_file() else ""
            if not source or (function and not re.search(rf"^def {re.escape(function)}\(", source, re.MULTILINE)):
                missing.append(f"{mutant.id}: {node}")
    assert missing == []


def test_the_documented_table_is_the_catalogue():
    doc = (Path(ROOT) / "docs" / "robustness.md").read_text()
    assert table(MUTANTS) in doc, "run `python tests/mutation/run.py --table` and paste it into docs/robustness.md"
