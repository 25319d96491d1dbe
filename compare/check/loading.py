"""Loading the class under test: ``path/to/file.py:ClassName`` (the file is executed) or ``package.module:Class``."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path

from compare.check.user_calls import UserCalls, UserCodeFailed
from handmade.contract.errors import InvalidInput


@dataclass
class LoadedClass:
    cls: type
    label: str            # what the user typed, e.g. "student.py:NeuralNetwork"
    source: str | None    # the file executed (for tracebacks)


def load_target(target: str, timeout: float | None = None) -> LoadedClass:
    """Load ``path/to/file.py:ClassName`` (the file is executed) or ``package.module:ClassName``.

    Usage errors (no colon, missing file, no such class) raise ``InvalidInput``; an exception
    raised by the file itself, or running it for longer than ``timeout`` seconds, raises
    :class:`UserCodeFailed`.
    """
    path_text, sep, name = target.rpartition(":")
    if not sep or not path_text or not name:
        raise InvalidInput(f"expected FILE.py:ClassName, got {target!r}")
    if path_text.endswith(".py") or "/" in path_text or "\\" in path_text:
        path = Path(path_text)
        if not path.is_file():
            raise InvalidInput(f"no such file: {path_text}")
        module_name = f"_mlp_parity_user_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise InvalidInput(f"cannot load {path_text} as Python source")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling look the module up here
        source = str(path)
        outcome = UserCalls(source, timeout).call(f"running {path_text}", spec.loader.exec_module, module)
        if not outcome.ok:
            sys.modules.pop(module_name, None)
            raise UserCodeFailed(outcome.error if outcome.timed_out else f"running {path_text} raised {outcome.error}",
                                 timed_out=outcome.timed_out)
    else:
        try:
            module = importlib.import_module(path_text)
        except ImportError as exc:
            raise InvalidInput(f"cannot import module {path_text!r}: {exc}") from None
        source = getattr(module, "__file__", None)
    cls = getattr(module, name, None)
    if not isinstance(cls, type):
        classes = sorted(k for k, v in vars(module).items() if isinstance(v, type)
                         and getattr(v, "__module__", None) == module.__name__)
        raise InvalidInput(f"no class {name!r} in {path_text}; classes defined there: {', '.join(classes) or 'none'}")
    return LoadedClass(cls=cls, label=target, source=source)


def guess_interface(cls: type) -> str:
    """'protocol' when the constructor takes ``sizes`` (or ``spec``), else 'lesson'."""
    try:
        names = set(inspect.signature(cls).parameters)
    except (TypeError, ValueError):
        return "lesson"
    return "protocol" if names & {"sizes", "spec"} else "lesson"
