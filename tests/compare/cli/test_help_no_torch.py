"""``mlp-parity --help`` and every subcommand's ``--help`` answer without importing torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from compare.cli.main import COMMANDS as COMMAND_MODULES

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


@pytest.mark.parametrize("argv", [["--help"]] + [[name, "--help"] for name in COMMANDS],
                         ids=lambda argv: " ".join(argv))
def test_help_does_not_import_torch(argv):
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
    assert "TORCH_ABSENT" in done.stdout, f"{' '.join(argv)} imported torch"


def test_bench_is_among_the_commands():
    assert "bench" in COMMANDS
