"""``mlp-parity check``: test someone's hand-written MLP class against torch and say what is wrong.

``run_check("student.py:NeuralNetwork", CheckConfig(loss="mse"))`` loads the
class (executing the file), drives it through an adapter (the classic lesson
interface or this project's protocol), compares its forward pass, gradients
and training steps with torch from the same initial weights, and diagnoses
every mismatch from the arrays (see ``diagnoses``). ``render(report)`` prints the
card, ``to_json(report)`` is its JSON. Importing this package imports torch (the
CLI imports it only inside ``run``).
"""

from compare.check.checker import Check, CheckConfig, Report, run_check
from compare.check.findings import Finding
from compare.check.report import render, to_json

__all__ = ["Check", "CheckConfig", "Finding", "Report", "render", "run_check", "to_json"]
