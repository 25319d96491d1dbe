"""``mlp-parity check``: test someone's hand-written MLP class against torch and say what is wrong.

``check(MyNet, loss="bce", output_activation="sigmoid")`` checks a class (or an object, or a file
target such as ``"student.py:Net"``) from Python or a notebook (``compare.check.api``); the command
line calls ``compare.check.checker.run_check``. The class is understood by discovery (in the
process that runs the user's code: ``compare.sandbox``), compared with torch from the same initial
weights, and every mismatch is diagnosed from the arrays (``diagnoses``). ``render(report, lang)`` is the
report card in English or Russian (also ``report.render("ru")``), ``to_json(report)`` its JSON.

This package's top level imports neither torch nor the checks, so that a notebook importing it stays
light; the checks run in the process that holds the torch reference.
"""

import sys
import types

from compare.check.api import check
from compare.check.report import render, to_json
from compare.check.results import CheckConfig, Report

__all__ = ["CheckConfig", "Report", "check", "render", "to_json"]


class _CallablePackage(types.ModuleType):
    """``from compare import check`` gives this package; calling it calls :func:`check`, so the short
    import a user guesses works as well as ``from compare.check import check``."""

    def __call__(self, *args, **kwargs) -> Report:
        return check(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
