"""``--help`` and every usage error answer before torch is imported (torch takes 1-3 s to load).

Tested as "torch not loaded" in a fresh interpreter, not by a clock: the suite runs on a
shared 2-core machine, where a time limit would either flake or say nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from compare.cli.main import COMMANDS as COMMAND_MODULES
from tests.compare.cli.test_cli_errors import BAD_INPUTS
from tests.compare.cli.test_cli_hygiene import CASES, write_files

ROOT = Path(__file__).resolve().parents[3]
COMMANDS = [module.NAME for module in COMMAND_MODULES]

PROBE = """
import sys
from compare.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
else:
    code = 0
print("TORCH_IMPORTED" if "torch" in sys.modules else "TORCH_ABSENT")
sys.exit(code or 0)
"""

# Runs every usage error of the list in one interpreter, one after the other, and stops at the
# first that leaves torch imported (once imported it stays, so later cases would prove nothing).
MANY = """
import contextlib, io, json, sys
from compare.cli.main import main
results = []
for argv in json.loads(sys.argv[1]):
    with contextlib.redirect_stderr(io.StringIO()) as err, contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exit:
            code = exit.code
    results.append({"argv": argv, "code": code, "torch": "torch" in sys.modules, "err": err.getvalue()})
    if "torch" in sys.modules:
        break
print(json.dumps(results))
"""



@pytest.mark.parametrize("argv", [["--help"]] + [[name, "--help"] for name in COMMANDS],
                         ids=lambda argv: " ".join(argv))
def test_help_does_not_import_torch(argv):
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert "TORCH_ABSENT" in done.stdout, f"{' '.join(argv)} imported torch"


def test_usage_errors_answer_without_importing_torch(tmp_path):
    """Every bad option, bad value and bad input file of the CLI tests: exit 2, torch never loaded."""
    write_files(tmp_path)
    cases = [[a.format(d=tmp_path) for a in argv] for argv, _ in [*CASES, *BAD_INPUTS]]
    done = subprocess.run([sys.executable, "-c", MANY, json.dumps(cases)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    loaded = [r["argv"] for r in results if r["torch"]]
    assert loaded == [], f"torch was imported by {loaded[0]}"
    assert len(results) == len(cases) > 40
    wrong = [(r["argv"], r["code"], r["err"]) for r in results if r["code"] != 2]
    assert wrong == []


def test_bench_is_among_the_commands():
    assert "bench" in COMMANDS
