"""``check`` on classifiers: softmax + cross-entropy (one-hot or integer labels), sigmoid + binary
cross-entropy, and the classic shortcut - the output delta a - y - named where it is right and where not."""

from __future__ import annotations

import textwrap

import pytest

from compare.check import CheckConfig
from compare.check.checker import run_check

SOFTMAX = textwrap.dedent('''
    import numpy as np

    class SoftmaxClassifier:
        def __init__(self, n_features, n_hidden, n_classes):
            rng = np.random.default_rng(0)
            self.W1, self.b1 = rng.normal(0, 0.1, (n_features, n_hidden)), np.zeros(n_hidden)
            self.W2, self.b2 = rng.normal(0, 0.1, (n_hidden, n_classes)), np.zeros(n_classes)

        def forward(self, X):
            self.X = X
            self.h = np.maximum(X @ self.W1 + self.b1, 0)
            scores = self.h @ self.W2 + self.b2
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            self.p = e / e.sum(axis=1, keepdims=True)
            return self.p

        def backward(self, labels):
            n = len(labels)
            d = self.p.copy()
            d[np.arange(n), labels] -= 1          # p - y for integer labels
            d /= n {bug}
            dh = d @ self.W2.T * (self.h > 0)
            return {{"W1": self.X.T @ dh, "b1": dh.sum(0), "W2": self.h.T @ d, "b2": d.sum(0)}}

        def train(self, X, labels, epochs, lr):
            for epoch in range(epochs):
                p = self.forward(X)
                loss = -np.mean(np.log(p[np.arange(len(labels)), labels]))
                print(f"epoch {{epoch}} cross-entropy {{loss:.6f}}")
                for name, g in self.backward(labels).items():
                    setattr(self, name, getattr(self, name) - lr * g)
''')

SIGMOID = textwrap.dedent('''
    import numpy as np

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    class Net:
        def __init__(self, n_in, n_hidden, n_out):
            rng = np.random.default_rng(0)
            self.W1, self.b1 = rng.normal(0, 0.1, (n_in, n_hidden)), np.zeros((1, n_hidden))
            self.W2, self.b2 = rng.normal(0, 0.1, (n_hidden, n_out)), np.zeros((1, n_out))

        def forward(self, X):
            self.X, self.h = X, sigmoid(X @ self.W1 + self.b1)
            self.out = sigmoid(self.h @ self.W2 + self.b2)
            return self.out

        def backward(self, Y):
            delta = {delta}
            dh = delta @ self.W2.T * self.h * (1 - self.h)
            return self.X.T @ dh, dh.sum(0, keepdims=True), self.h.T @ delta, delta.sum(0, keepdims=True)
''')
A_MINUS_Y = "(self.out - Y) / Y.size"   # bce's gradient (mean over N*C): the output delta a - y


def write(tmp_path, name, text) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return str(path)


def test_softmax_cross_entropy_with_integer_labels_passes_and_its_printed_loss_is_read(tmp_path):
    report = run_check(write(tmp_path, "softmax", SOFTMAX.format(bug="")), CheckConfig(loss="ce", timeout=5))
    assert report.passed, [(c.name, c.findings) for c in report.failing()]
    assert report.plan["gradients"]["labels"]  # the class takes labels, the checker found out by itself
    assert report.config.output_activation == "softmax"  # a classifier's output is its link's probabilities
    for dtype in ("float64", "float32"):
        assert report.check("reported loss", dtype).passed


def test_a_sum_where_cross_entropy_averages_is_a_factor_with_cross_entropy_words(tmp_path):
    report = run_check(write(tmp_path, "softmax", SOFTMAX.format(bug="/ n")),  # d /= n / n: no 1/N at all
                       CheckConfig(loss="ce", timeout=5, dtypes=("float64",)))
    overview = report.overview["float64"][0]
    assert overview.code == "factor" and overview.details["factor"] == pytest.approx(5)
    assert "a sum over the batch where ce takes the mean: the 1/N is missing" in overview.message


def test_sigmoid_with_binary_cross_entropy_passes_with_the_a_minus_y_delta(tmp_path):
    report = run_check(write(tmp_path, "bce", SIGMOID.format(delta=A_MINUS_Y)),
                       CheckConfig(activation="sigmoid", loss="bce", timeout=5))
    assert report.passed, [(c.name, c.findings) for c in report.failing()]


def test_the_a_minus_y_delta_declared_as_mse_is_named_as_the_cross_entropy_shortcut(tmp_path):
    report = run_check(write(tmp_path, "shortcut", SIGMOID.format(delta=A_MINUS_Y)),
                       CheckConfig(activation="sigmoid", output_activation="sigmoid", timeout=5))
    for dtype in ("float64", "float32"):
        found = [f for f in report.overview[dtype] if f.code == "other_loss"]
        assert len(found) == 1 and found[0].details["loss"] == "bce"
        assert "the output delta a - y is the gradient of cross-entropy through its sigmoid" in found[0].message
        assert "run with --loss bce" in found[0].message


def test_the_sigmoid_derivative_applied_on_top_of_p_minus_y_is_named(tmp_path):
    twice = f"{A_MINUS_Y} * self.out * (1 - self.out)"
    report = run_check(write(tmp_path, "twice", SIGMOID.format(delta=twice)),
                       CheckConfig(activation="sigmoid", loss="bce", timeout=5, dtypes=("float64",)))
    assert "activation_derivative_twice" in report.check("gradient W2").codes()
    # ... which is the gradient of the mean squared error up to a factor: said in the overview too.
    assert [f.details["loss"] for f in report.overview["float64"] if f.code == "other_loss"] == ["mse"]
