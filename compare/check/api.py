"""``check(...)`` from Python and from a notebook: a class, an object, or a file, checked against torch.

>>> from compare.check import check
>>> report = check(MyNet, loss="bce", output_activation="sigmoid")   # a class defined in a notebook cell
>>> report                                                          # rendered as HTML in Jupyter
>>> report.passed, report.status, report.first_wrong_gradient()

A file (``"student.py:Net"``, ``"homework.ipynb"``) runs in a child process, as on the command
line. A class or an object in memory stays in this process - a notebook's class exists nowhere
else - and the torch reference and the verdict run in a child instead (``compare.check.referee``),
so nothing the class does to this process's modules reaches them. Its calls are time-limited here
by ``SIGALRM`` (main thread, POSIX); printed output is captured from ``sys.stdout``/``sys.stderr``.
An object is checked through deep copies of it (it must be built for the letters: 30 inputs,
3 outputs).

This module imports neither torch nor the checks: the caller needs only NumPy.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import json
import subprocess
import sys

from compare.check.results import CheckConfig, Report
from compare.sandbox import wire
from compare.sandbox.calls import UserCalls
from compare.sandbox.capture import StreamCapture
from compare.sandbox.glue import as_glue, glue_functions, glued
from compare.sandbox.loading import Loaded
from compare.sandbox.server import UserServer
from handmade.contract.errors import InvalidInput


def _source_of(cls) -> str | None:
    try:
        return inspect.getsourcefile(cls)
    except (TypeError, OSError):  # a notebook cell or the interpreter: no file to name lines in
        return None


def _copier(obj):
    """A class-like callable that makes deep copies of ``obj`` (each check starts from a fresh one)."""
    def build():
        return copy.deepcopy(obj)
    build.__name__ = f"copy.deepcopy(<{type(obj).__name__} object>)"  # a call already: shown as it is
    return build


def _config(config: CheckConfig | None, options: dict) -> CheckConfig:
    config = config or CheckConfig()
    fields = {f.name for f in dataclasses.fields(CheckConfig)}
    unknown = sorted(set(options) - fields)
    if unknown:
        raise InvalidInput(f"check() has no option {unknown[0]!r}; its options are: {', '.join(sorted(fields))}")
    if "hidden" in options:
        options = {**options, "hidden": tuple(options["hidden"]), "hidden_given": True}
    if "dtypes" in options and isinstance(options["dtypes"], str):
        options["dtypes"] = (options["dtypes"],)
    if "loss" in options and "output_activation" not in options:
        options["output_activation"] = None   # resolved again for the new loss: a classifier's link
    return dataclasses.replace(config, **options)


def check(target, config: CheckConfig | None = None, adapter=None, **options) -> Report:
    """Check a class, an object, or a file target; ``options`` are CheckConfig fields (loss="bce", ...).

    ``adapter``: the escape hatch (``compare.sandbox.glue``) - a glue file's path, or a module, class,
    object or dict with ``build``, ``parameters``, ``forward``, ``gradients`` (and maybe ``train``).
    """
    if isinstance(adapter, str):
        options["adapter"] = adapter
    config = _config(config, options)
    if isinstance(target, str):
        if adapter is not None and not isinstance(adapter, str):
            raise InvalidInput("with a file target, give the adapter as a file path too (it runs where the file runs)")
        return referee(None, config, target)
    if isinstance(target, type):
        loaded = Loaded(target, target.__name__, _source_of(target), namespace=_namespace_of(target))
    else:
        loaded = Loaded(_copier(target), type(target).__name__, _source_of(type(target)))
    if adapter is not None and not isinstance(adapter, str):
        loaded.cls = glued(loaded.cls, glue_functions(as_glue(adapter), "the adapter"), "the adapter")
    return referee(loaded, config)


def _namespace_of(cls) -> dict | None:
    """The globals of the module that defines ``cls`` (a notebook's ``__main__``): its layer classes, if any."""
    module = sys.modules.get(getattr(cls, "__module__", ""), None)
    return vars(module) if module is not None else None


def referee(loaded: Loaded | None, config: CheckConfig, target: str | None = None) -> Report:
    """Start the referee child and serve its requests on ``loaded`` until its report arrives; with a file
    ``target`` instead, only wait for the report (see the module docstring)."""
    server = UserServer(UserCalls(loaded.source if loaded else None, config.timeout, capture=StreamCapture()),
                        preloaded=loaded)
    command = [sys.executable, "-m", "compare.check.referee", json.dumps(config.to_dict()),
               *([target] if target else [])]
    referee = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        while True:
            try:
                message = wire.receive(referee.stdout)
            except wire.WireError:
                raise RuntimeError(f"the checker's process ended without a report (exit code "
                                   f"{referee.wait()})") from None
            if message.get("op") == "report":
                if "error" in message:
                    raise RuntimeError(f"the checker failed: {message['error']}")
                return Report.from_dict(message["report"])
            wire.send(referee.stdin, server.handle(message))
    finally:
        for stream in (referee.stdin, referee.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        if referee.poll() is None:
            referee.kill()
        referee.wait()
