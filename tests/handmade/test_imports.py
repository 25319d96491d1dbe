"""handmade/ never imports torch, by its source and at run time."""

import ast
import subprocess
import sys
from pathlib import Path

import handmade

HANDMADE = Path(handmade.__file__).parent


def test_no_torch_in_handmade_source():
    for path in sorted(HANDMADE.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                root = name.split(".")[0]
                assert root not in ("torch", "torch_ref", "compare"), f"{path.name} imports {name}"


def test_importing_every_handmade_module_leaves_torch_unloaded():
    modules = [f"handmade.{p.stem}" for p in sorted(HANDMADE.glob("*.py")) if p.stem != "__init__"]
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
