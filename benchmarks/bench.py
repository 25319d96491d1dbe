"""The speed benchmark as a script: ``python benchmarks/bench.py [--quick] [--json PATH] ...``.

The same code and options as ``mlp-parity bench`` (see compare/bench/).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compare.cli.main import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
