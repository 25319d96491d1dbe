"""The layers of docs/architecture.md, enforced: what may import what, module sizes, readable core.

Read from the source (AST), so a violation names the file and line. The import graph
includes imports inside functions: a cycle hidden in a function is still a cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("handmade", "torch_ref", "compare")
MAX_LINES = 300

# compare/: a package may import its own modules and those of lower layers, never a higher or a sibling layer.
COMPARE_LAYERS = {
    "__main__": 8,
    "measure": 0, "system": 0, "language": 0,
    "files": 1, "present": 1, "run": 1, "sandbox": 1,
    "figures": 2,
    "step": 3,
    "trajectory": 4,
    "check": 5, "study": 5, "bench": 5,
    "gradebook": 6,
    "cli": 7,
}
# handmade/: the contract's lowest modules import nothing of handmade but each other; the fast paths sit
# above the readable core and below the training loop that chooses them.
HANDMADE_LAYERS = {
    "contract.errors": 0, "contract.naming": 0, "contract.keys": 0,
    "activations": 1, "losses": 1, "init": 1, "data": 1, "optim": 1,
    "contract.spec": 2, "contract.plan": 2, "contract.runs": 3,
    "model": 4,
    "fast": 5,
    "train": 6,
}
# What torch_ref may take from handmade: the contract and the registries' names (never its arithmetic).
TORCH_REF_MAY_IMPORT = ("handmade.contract", "handmade.activations", "handmade.optim")
# Imports that may stay inside a function (a heavy or optional dependency), each with a comment saying why.
LAZY_ALLOWED = ("torch", "matplotlib", "scipy", "dask", "distributed", "sklearn", "threadpoolctl", "nbclient",
                "nbformat")
# The student's files: the lesson's formulas and nothing that exists only for speed.
READABLE_CORE = ("handmade/model.py", "handmade/activations.py", "handmade/losses.py")


def modules() -> dict[str, Path]:
    """Every module of the three packages, by dotted name (a package by its own name)."""
    found = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = modules()


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import statement, relative ones resolved."""
    tree = ast.parse(path.read_text())
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = name.split(".")[:-1] if not name.endswith("__init__") else name.split(".")[:-1]
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            # ``from pkg import sub`` imports the module pkg.sub; ``from mod import name`` imports mod.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        inside = any(f.lineno <= node.lineno <= f.end_lineno for f in functions)
        out += [(t, node.lineno, inside) for t in targets]
    return out


def project_module(target: str) -> str | None:
    while target and target not in MODULES:
        target = target.rpartition(".")[0]
    return target or None


GRAPH = {m: {t for target, _, _ in imports(p) if (t := project_module(target)) and t != m} for m, p in MODULES.items()}


def where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def test_no_import_cycles():  # noqa: C901 - Tarjan's strongly connected components, kept whole to be checked
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_code_module_over_300_lines(module):
    lines = MODULES[module].read_text().count("\n")
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT)} has {lines} lines (report texts go in data files)"


def test_imports_inside_functions_are_lazy_heavy_dependencies_with_a_reason():
    offenders = []
    for module, path in MODULES.items():
        source = path.read_text().splitlines()
        for target, line, inside in imports(path):
            if not inside or target != target.split(" ")[0]:
                continue
            root = target.split(".")[0]
            cli_lazy = module.startswith("compare.cli.") and root == "compare"  # a command's torch-using code
            allowed = root in LAZY_ALLOWED or cli_lazy
            reason = "#" in source[line - 1] or source[line - 2].strip().startswith("#")
            if not (allowed and reason):
                offenders.append(f"{where(module, line)}: {target}")
    assert sorted(set(offenders)) == []


def layer_of(module: str, layers: dict, prefix: str) -> int | None:
    rest = module.removeprefix(prefix)
    while rest:
        if rest in layers:
            return layers[rest]
        rest = rest.rpartition(".")[0]
    return None


def test_compare_imports_only_point_down():
    wrong = []
    for module in MODULES:
        if not module.startswith("compare."):
            continue
        mine = layer_of(module, COMPARE_LAYERS, "compare.")
        own_package = module.split(".")[1]
        for target, line, _ in imports(MODULES[module]):
            other = project_module(target)
            if not other or not other.startswith("compare.") or other.split(".")[1] == own_package:
                continue
            theirs = layer_of(other, COMPARE_LAYERS, "compare.")
            if mine is None or theirs is None or theirs >= mine:
                wrong.append(f"{where(module, line)}: {module} (layer {mine}) imports {other} (layer {theirs})")
    assert sorted(set(wrong)) == []


def test_handmade_imports_only_point_down_and_never_torch():
    wrong = []
    for module in MODULES:
        if not module.startswith("handmade."):
            continue
        mine = layer_of(module, HANDMADE_LAYERS, "handmade.")
        for target, line, _ in imports(MODULES[module]):
            if target.split(".")[0] in ("torch", "torch_ref", "compare"):
                wrong.append(f"{where(module, line)}: handmade imports {target}")
            other = project_module(target)
            if not other or not other.startswith("handmade.") or other == "handmade":
                continue
            theirs = layer_of(other, HANDMADE_LAYERS, "handmade.")
            same_package = other.rpartition(".")[0] == module.rpartition(".")[0] and mine == theirs
            if mine is None or theirs is None or (theirs > mine or (theirs == mine and not same_package)):
                wrong.append(f"{where(module, line)}: {module} (layer {mine}) imports {other} (layer {theirs})")
    assert sorted(set(wrong)) == []


# What the child process running a user's class may import of compare: its own package, its lifetime
# (compare.system), and the sentences it says (compare.language: the standard library and handmade's error
# type, see below).
SANDBOX_MAY_IMPORT = ("compare.sandbox", "compare.system", "compare.language")


def test_the_sandbox_runs_user_code_without_torch():
    """compare.sandbox is what the child process running a user's class imports: numpy and handmade's
    formulas only, so a class that patches torch (or a machine where torch is slow to load) cannot touch
    the reference side, and the child starts fast."""
    wrong = [f"{where(module, line)}: {target}"
             for module in MODULES if module.startswith("compare.sandbox")
             for target, line, _ in imports(MODULES[module])
             if target.split(".")[0] in ("torch", "torch_ref", "matplotlib")
             or (target.startswith("compare") and not target.startswith(SANDBOX_MAY_IMPORT))]
    assert sorted(set(wrong)) == []


def test_the_language_package_needs_only_the_standard_library():
    """compare.language is imported by the sandbox's child process: no third-party package (not even
    numpy), nothing of compare but itself, and of handmade only the error type."""
    wrong = [f"{where(module, line)}: {target}"
             for module in MODULES if module.startswith("compare.language")
             for target, line, _ in imports(MODULES[module])
             if target.split(".")[0] not in sys.stdlib_module_names and target != "__future__"
             and not target.startswith(("compare.language", "handmade.contract.errors"))]
    assert sorted(set(wrong)) == []


def test_torch_ref_takes_only_the_contract_and_the_names_from_handmade():
    wrong = [f"{where(module, line)}: {target}"
             for module in MODULES if module.startswith("torch_ref")
             for target, line, _ in imports(MODULES[module])
             if target.startswith("handmade") and project_module(target) not in (None, "handmade")
             and not project_module(target).startswith(TORCH_REF_MAY_IMPORT)]
    assert sorted(set(wrong)) == []


@pytest.mark.parametrize("path", READABLE_CORE)
def test_the_readable_core_has_no_speed_plumbing(path):
    """No ``out=``, no in-place array arithmetic, no buffers in the files a student reads."""
    tree = ast.parse((ROOT / path).read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.AugAssign):
            found.append(f"line {node.lineno}: in-place {type(node.op).__name__}")
        if isinstance(node, ast.keyword) and node.arg == "out":
            found.append(f"line {node.value.lineno}: out=")
        if isinstance(node, ast.Attribute) and node.attr in ("copyto", "fill", "empty", "empty_like", "put"):
            found.append(f"line {node.lineno}: {node.attr}")
        if isinstance(node, ast.Name) and "workspace" in node.id.lower():
            found.append(f"line {node.lineno}: {node.id}")
    assert found == []
