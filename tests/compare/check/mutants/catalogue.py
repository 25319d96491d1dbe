"""The mutation catalogue: real backprop bugs, each a small text edit of ``correct.py``.

Each mutant says what the checker must report: the failing check (which names
the parameter) and the diagnosis code on it. ``options`` are the settings the
mutant is checked with (e.g. a sigmoid network, where taking the derivative at
the activation output is not harmless as it is for ReLU).
"""

from dataclasses import dataclass, field
from pathlib import Path

CORRECT = Path(__file__).with_name("correct.py")

SIGMOID = ('activation = "relu"', 'activation = "sigmoid"')
LEAKY = ('activation = "relu"', 'activation = "leaky_relu"')
D_OUTPUT = "d_output = 2 * (output - Y) / (n * Y.shape[1])"


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple            # (old, new) pairs, each old text present exactly once in correct.py
    check: str              # the report-card line that must fail
    code: str               # the diagnosis code that must be on it
    options: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)  # expected numbers in the finding (approximately)

    def source(self) -> str:
        text = CORRECT.read_text()
        for old, new in self.edits:
            if text.count(old) != 1:
                raise AssertionError(f"mutant {self.name}: {old!r} occurs {text.count(old)} times in correct.py")
            text = text.replace(old, new)
        return text


MUTANTS = [
    Mutant("gradient_ignores_target", ((D_OUTPUT, "d_output = 2 * output / (n * Y.shape[1])"),),
           "gradient W2", "backprop_output"),
    Mutant("missing_activation_derivative", (("dz1 = d_hidden * self.df(self.z1)", "dz1 = d_hidden"),),
           "gradient W1", "missing_activation_derivative"),
    Mutant("derivative_at_activation_output", (SIGMOID, ("self.df(self.z1)", "self.df(self.a1)")),
           "gradient W1", "derivative_at_activation_output", {"activation": "sigmoid"}),
    Mutant("missing_1_over_N", ((D_OUTPUT, "d_output = 2 * (output - Y) / Y.shape[1]"),),
           "gradient W2", "factor", details={"factor": 5.0}),
    Mutant("missing_factor_2", ((D_OUTPUT, "d_output = (output - Y) / (n * Y.shape[1])"),),
           "gradient W2", "factor", details={"factor": 0.5}),
    Mutant("sum_instead_of_mean", ((D_OUTPUT, "d_output = 2 * (output - Y)"),),
           "gradient W2", "factor", details={"factor": 15.0}),
    Mutant("transposed_weight_gradient", (("dW2 = self.a1.T @ d_output", "dW2 = d_output.T @ self.a1"),),
           "gradient W2", "transposed"),
    Mutant("bias_gradient_not_summed", (("db2 = d_output.sum(axis=0, keepdims=True)", "db2 = d_output"),),
           "gradient b2", "not_summed_over_batch"),
    Mutant("update_sign_flipped", tuple((f"self.{p} -= learning_rate", f"self.{p} += learning_rate")
                                        for p in ("W1", "b1", "W2", "b2")),
           "one training step", "update_sign_flipped"),
    Mutant("wrong_leaky_slope", (LEAKY, ("def leaky_relu_derivative(z, slope=0.01)",
                                         "def leaky_relu_derivative(z, slope=0.1)")),
           "gradient W1", "leaky_slope", {"activation": "leaky_relu"}, {"slope": 0.1}),
    Mutant("sigmoid_derivative_is_sigma", (SIGMOID, ("return s * (1 - s)", "return s")),
           "gradient W1", "derivative_is_activation", {"activation": "sigmoid"}),
    Mutant("forward_without_bias", (("self.z1 = X @ self.W1 + self.b1", "self.z1 = X @ self.W1"),),
           "forward output", "forward_without_bias"),
    Mutant("stale_cache", (("self.z1 = X @ self.W1 + self.b1\n        self.a1 = self.f(self.z1)",
                            "z1 = X @ self.W1 + self.b1\n        a1 = self.f(z1)\n"
                            "        if not hasattr(self, 'a1'):  # bug: the cache is only ever filled once\n"
                            "            self.z1, self.a1 = z1, a1"),
                           ("self.z2 = self.a1 @ self.W2", "self.z2 = a1 @ self.W2")),
           "no stale cache", "stale_cache"),
    Mutant("transposed_weight_in_backward", (("d_hidden = d_output @ self.W2.T", "d_hidden = d_output @ self.W2"),),
           "backward", "exception"),
    # The gradients themselves are right (each is recognised by its shape); the bug shows where the class
    # uses them: its own update pairs W1 with dW2.
    Mutant("gradients_in_wrong_order", (("return dW1, db1, dW2, db2", "return dW2, db2, dW1, db1"),),
           "one training step", "wrong_order"),
    Mutant("printed_loss_is_sum", (("loss = np.mean((output - Y) ** 2)", "loss = np.sum((output - Y) ** 2)"),),
           "reported loss", "reported_loss"),
    Mutant("forward_wrong_leaky_slope", (LEAKY, ("def leaky_relu(z, slope=0.01)", "def leaky_relu(z, slope=0.2)")),
           "forward output", "forward_leaky_slope", {"activation": "leaky_relu"}, {"slope": 0.2}),
]
