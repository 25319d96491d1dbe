"""Loading the class under test: from a file, a notebook, an importable module, or a class already in memory.

Targets: ``path/to/file.py:ClassName``, ``file.py`` (the one network class in it is found),
``homework.ipynb:ClassName`` or ``homework.ipynb``, ``package.module:ClassName``. A file is
*executed*, as ``python file.py`` would, inside a time-limited call in the process that runs
the user's code. A notebook runs its definitions only - imports, functions, classes and
assignments that call nothing - not the cells that train, plot or load data; the notes say
what ran and what did not.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

from compare.sandbox.calling import public_methods
from compare.sandbox.calls import UserCalls
from compare.sandbox.compose import NETWORK_NAME, is_layer_class
from compare.sandbox.roles import FORWARD_METHODS
from compare.sandbox.texts import say
from handmade.contract.errors import InvalidInput


class LoadFailed(Exception):
    """Running the user's file raised or did not finish: a finding about the file, not a usage error."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


@dataclass
class Loaded:
    cls: type | None            # None: a file of layer classes without a network class (compose.Sequential)
    label: str                  # what the user named, e.g. "student.py:NeuralNetwork"
    source: str | None          # the file executed (for the lines named in tracebacks)
    notes: list[str] = field(default_factory=list)
    namespace: dict | None = None   # the file's globals: its layer classes, for a layer-list design


def split_target(target: str) -> tuple[str, str | None]:
    """``"path.py:Class"`` -> ("path.py", "Class"); ``"path.py"`` -> ("path.py", None). Windows drives kept."""
    head, sep, tail = target.rpartition(":")
    if sep and tail and re.fullmatch(r"[A-Za-z_]\w*", tail) and head and not re.fullmatch(r"[A-Za-z]", head):
        return head, tail
    return target, None


def notebook_source(path: Path) -> tuple[str, list[str]]:
    """The definitions of a notebook as one module source, and notes on what was left out."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"{path}: cannot read as a Jupyter notebook ({exc})") from None
    kept, skipped, code_cells = [], 0, 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code_cells += 1
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(text)
        except SyntaxError:
            skipped += 1
            continue
        for node in tree.body:
            if _is_definition(node):
                kept.append(ast.get_source_segment(text, node))
            else:
                skipped += 1
    note = say("load.notebook", cells=code_cells, kept=len(kept), skipped=skipped)
    return "\n\n".join(kept) + "\n", [note]


def _is_definition(node) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        return not any(isinstance(n, ast.Call) for n in ast.walk(node))
    return False


def _execute(path: Path, source: str, calls: UserCalls, label: str) -> types.ModuleType:
    module_name = f"_mlp_parity_user_{abs(hash(str(path.resolve())))}"
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up here
    sys.path.insert(0, str(path.resolve().parent))  # as `python file.py` would: its neighbours import
    try:
        code = compile(source, str(path), "exec")
    except (SyntaxError, ValueError) as exc:  # the user's file is not Python 3 (a Python 2 print, a stray byte)
        sys.modules.pop(module_name, None)
        where = say("load.at_line", line=exc.lineno, code=(exc.text or "").strip()) \
            if isinstance(exc, SyntaxError) else ""
        hint = say("load.python2") if "print" in str(getattr(exc, "text", "")) else ""
        raise LoadFailed(say("load.invalid", label=label, error=f"{type(exc).__name__}: {getattr(exc, 'msg', exc)}",
                             where=where, hint=hint)) from None
    running = say("what.running", label=label)
    outcome = calls.call(running, exec, code, module.__dict__)
    if not outcome.ok:
        sys.modules.pop(module_name, None)
        raise LoadFailed(outcome.error if outcome.timed_out else
                         say("call.raised", what=running, error=outcome.error), timed_out=outcome.timed_out)
    return module


def load_module(where: str, calls: UserCalls) -> tuple[types.ModuleType, str | None, list[str]]:
    """The module named by a target's first part: a .py file, a notebook, or an importable module."""
    path = Path(where)
    if path.suffix.lower() in (".py", ".ipynb") or "/" in where or "\\" in where:
        if not path.is_file():
            raise InvalidInput(f"no such file: {where}")
        if path.suffix.lower() == ".ipynb":
            source, notes = notebook_source(path)
        else:
            try:
                source, notes = path.read_text(encoding="utf-8"), []
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInput(f"cannot read {where} as Python source ({exc})") from None
        return _execute(path, source, calls, where), str(path), notes
    importing = say("what.importing", module=where)
    outcome = calls.call(importing, importlib.import_module, where)
    if not outcome.ok:
        if outcome.error.startswith("ModuleNotFoundError"):
            raise InvalidInput(f"cannot import module {where!r}: {outcome.error}")
        raise LoadFailed(outcome.error if outcome.timed_out else
                         say("call.raised", what=importing, error=outcome.error), timed_out=outcome.timed_out)
    module = outcome.value
    return module, getattr(module, "__file__", None), []


def network_classes(module: types.ModuleType) -> list[type]:
    """The classes defined in a module that have a forward-like method and are not a layer, an activation
    or a loss (``compose.is_layer_class``): the candidates for "the network"."""
    own = [v for v in vars(module).values()
           if isinstance(v, type) and getattr(v, "__module__", None) == module.__name__]
    with_forward = [c for c in own if any(m in FORWARD_METHODS for m in public_methods(c)) and not is_layer_class(c)]
    named = [c for c in with_forward if NETWORK_NAME.search(c.__name__)]
    return named or with_forward


def load_target(target: str, calls: UserCalls, class_name: str | None = None) -> Loaded:
    """Load the class ``target`` names (see the module docstring); ``class_name`` overrides the one after ':'."""
    where, name = split_target(target)
    name = class_name or name
    module, source, notes = load_module(where, calls)
    if name is not None:
        cls = getattr(module, name, None)
        if not isinstance(cls, type):
            classes = sorted(k for k, v in vars(module).items() if isinstance(v, type)
                             and getattr(v, "__module__", None) == module.__name__)
            raise InvalidInput(f"no class {name!r} in {where}; classes defined there: {', '.join(classes) or 'none'}")
        return Loaded(cls, target, source, notes, vars(module))
    candidates = network_classes(module)
    layers = [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__
              and is_layer_class(v)]
    if not candidates and layers:
        return Loaded(None, f"{target} (its layer classes)", source,
                      notes + [say("load.assembled", file=where, layers=[c.__name__ for c in layers])], vars(module))
    if not any(isinstance(v, type) and v.__module__ == module.__name__ for v in vars(module).values()):
        raise InvalidInput(f"{where} defines no class: check drives a network class (wrap your functions in a "
                           "small class with forward and backward methods)")
    if len(candidates) != 1:
        listed = ", ".join(c.__name__ for c in candidates) or "none with a forward-like method"
        raise InvalidInput(f"cannot tell which class in {where} is the network ({listed}); name it as "
                           f"{where}:ClassName or with --class")
    return Loaded(candidates[0], f"{target}:{candidates[0].__name__}", source,
                  notes + [say("load.found", file=where, name=candidates[0].__name__)], vars(module))
