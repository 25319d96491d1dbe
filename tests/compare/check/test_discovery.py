"""Discovery corners found on real code: built-in rates, one-sample training, labels, constructors."""

from __future__ import annotations

import textwrap

from compare.check import CheckConfig
from compare.check.checker import run_check
from compare.sandbox.plan import describe

F64 = ("float64",)

IMPLICIT_RATE = textwrap.dedent('''
    import numpy as np

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    class Net:
        def __init__(self, n_in, n_hidden, n_out):
            rng = np.random.default_rng(0)
            self.W1, self.W2 = rng.normal(0, 0.3, (n_in, n_hidden)), rng.normal(0, 0.3, (n_hidden, n_out))

        def forward(self, X):
            self.X, self.h = X, sigmoid(X @ self.W1)
            self.out = sigmoid(self.h @ self.W2)
            return self.out

        def backward(self, X, y, output):      # no rate anywhere: w -= {rate} * gradient
            d2 = (output - y) * output * (1 - output)
            d1 = d2 @ self.W2.T * self.h * (1 - self.h)
            self.W2 -= {rate} * self.h.T @ d2
            self.W1 -= {rate} * X.T @ d1
''')


def write(tmp_path, name, text) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    return str(path)


def sigmoid_half_sse(**more) -> CheckConfig:
    return CheckConfig(activation="sigmoid", output_activation="sigmoid", loss="half_sse", timeout=5, **more)


def test_an_update_without_a_learning_rate_is_read_as_w_minus_the_gradient(tmp_path):
    report = run_check(write(tmp_path, "implicit", IMPLICIT_RATE.format(rate=1)), sigmoid_half_sse())
    assert report.passed
    assert "so w -= gradient is assumed" in " ".join(" ".join(describe(report.plan)).split())


def test_a_built_in_rate_is_said_to_look_like_a_factor_not_named_as_a_bug(tmp_path):
    report = run_check(write(tmp_path, "implicit", IMPLICIT_RATE.format(rate=0.5)), sigmoid_half_sse(dtypes=F64))
    assert report.status == "not checked" and "learning rate inside backward" in report.not_checked["reason"]
    gradient = report.check("gradient W2")
    assert gradient.status == "note" and gradient.codes() == ["rate_unknown"]
    assert "a built-in rate of 0.5 gives" in gradient.findings[0].message


ONE_SAMPLE = textwrap.dedent('''
    import numpy as np

    class neuralNetwork:
        """One sample per call, as column vectors; the rate set at construction."""

        def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate):
            rng = np.random.default_rng(0)
            self.wih = rng.normal(0, hiddennodes ** -0.5, (hiddennodes, inputnodes))
            self.who = rng.normal(0, outputnodes ** -0.5, (outputnodes, hiddennodes))
            self.lr = learningrate

        def query(self, inputs_list):
            inputs = np.array(inputs_list, ndmin=2).T
            return self.who @ np.tanh(self.wih @ inputs)

        def train(self, inputs_list, targets_list):
            inputs, targets = np.array(inputs_list, ndmin=2).T, np.array(targets_list, ndmin=2).T
            hidden = np.tanh(self.wih @ inputs)
            output_errors = self.who @ hidden - targets
            hidden_errors = self.who.T @ output_errors {bug}
            self.who -= self.lr * output_errors @ hidden.T
            self.wih -= self.lr * (hidden_errors * (1 - hidden ** 2)) @ inputs.T
''')


def test_a_class_that_trains_one_sample_per_call_is_compared_with_one_sample_sgd(tmp_path):
    report = run_check(write(tmp_path, "myonn", ONE_SAMPLE.format(bug="")),
                       CheckConfig(activation="tanh", loss="half_sse_n", timeout=5))
    assert report.passed, [(c.name, c.findings) for c in report.failing()]
    text = " ".join(" ".join(describe(report.plan)).split())
    assert "gradients: train (read back from the update it makes (learning rate 0.1), one sample at a time" in text
    assert report.check("one training step").passed and report.check("training run (10 epochs)").passed


def test_a_one_sample_class_with_a_wrong_hidden_error_is_named_on_the_hidden_weights(tmp_path):
    report = run_check(write(tmp_path, "myonn", ONE_SAMPLE.format(bug="* 2")),
                       CheckConfig(activation="tanh", loss="half_sse_n", timeout=5, dtypes=F64))
    assert report.check("gradient who").passed and not report.check("gradient wih").passed
    assert report.check("gradient wih").findings[0].details["factor"] == 2
    assert report.check("one training step").codes() == ["follows_from_gradients"]


LABELS = textwrap.dedent('''
    import numpy as np

    class Classifier:
        def __init__(self, input_dim, hidden_dim, output_dim):
            rng = np.random.default_rng(0)
            self.W1, self.b1 = rng.normal(0, 0.1, (input_dim, hidden_dim)), np.zeros(hidden_dim)
            self.W2, self.b2 = rng.normal(0, 0.1, (hidden_dim, output_dim)), np.zeros(output_dim)

        def forward(self, X):
            self.X, self.h = X, np.maximum(X @ self.W1 + self.b1, 0)
            z = self.h @ self.W2 + self.b2
            e = np.exp(z - z.max(1, keepdims=True))
            self.probs = e / e.sum(1, keepdims=True)
            return self.probs

        def backward(self, y):
            d = self.probs.copy()
            d[np.arange(len(y)), y] -= 1
            d /= len(y)
            dh = d @ self.W2.T * (self.h > 0)
            return self.X.T @ dh, dh.sum(0), self.h.T @ d, d.sum(0)
''')


def test_a_class_that_takes_labels_is_found_even_without_a_classification_loss_and_told_so(tmp_path):
    report = run_check(write(tmp_path, "labels", LABELS), CheckConfig(timeout=5, dtypes=F64))
    assert report.plan["gradients"]["labels"]
    text = " ".join(" ".join(describe(report.plan)).split())
    assert "backward takes integer class labels: a classifier - say its loss (--loss ce" in text
    assert run_check(write(tmp_path, "labels", LABELS), CheckConfig(loss="ce", timeout=5)).passed


def test_constructors_seen_on_real_code(tmp_path):
    """hidden2 before hidden1; a list of the layers after the input beside a separate input size; a default
    regularisation switched off and said."""
    source = textwrap.dedent('''
        import numpy as np

        class Deep:
            def __init__(self, nx, layers, reg_lambda=0.01):
                sizes = [nx] + list(layers)
                self.reg = reg_lambda
                self.weights = {f"W{i + 1}": np.random.default_rng(i).normal(0, 0.1, (b, a))
                                for i, (a, b) in enumerate(zip(sizes, sizes[1:]))}

            def forward(self, X):
                a = X.T
                for i in range(len(self.weights)):
                    z = self.weights[f"W{i + 1}"] @ a
                    a = np.maximum(z, 0) if i < len(self.weights) - 1 else z
                return a.T
    ''')
    report = run_check(write(tmp_path, "deep", source), CheckConfig(timeout=5, dtypes=F64))
    # It has no backward (not checked), but it was built as asked: sizes after the input, no penalty.
    assert report.not_checked["reason"].startswith("Deep(nx=30, layers=[16, 3], reg_lambda=0.0): no method returns")


TRAIN_OWN_RATE = textwrap.dedent('''
    import numpy as np

    class Net:
        def __init__(self, input_size, hidden_size, output_size):
            rng = np.random.default_rng(0)
            self.W1 = rng.normal(0, 0.3, (input_size, hidden_size))
            self.W2 = rng.normal(0, 0.3, (hidden_size, output_size))

        def forward(self, X):                  # returns its cache with the output, as many tutorials do
            h = np.maximum(0, X @ self.W1)
            return h, h @ self.W2

        def backward(self, X, y, h, output):   # takes them back in the same order
            d2 = 2 * (output - y) / y.size
            d1 = d2 @ self.W2.T * (h > 0)
            return X.T @ d1, h.T @ d2

        def train(self, X, y, epochs):         # a rate of its own: {rate}
            for _ in range(epochs):
                dW1, dW2 = self.backward(X, y, *self.forward(X))
                self.W1 -= {rate} * dW1
                self.W2 -= {rate} * dW2
''')


def test_a_train_with_a_rate_of_its_own_is_compared_at_that_rate(tmp_path):
    report = run_check(write(tmp_path, "own_rate", TRAIN_OWN_RATE.format(rate=0.5)), CheckConfig(timeout=5))
    assert report.passed, [(c.name, c.findings) for c in report.failing()]
    note = report.check("learning rate")
    assert note.status == "note" and note.findings[0].details["rate"] == 0.5


def test_a_forward_that_returns_its_caches_hands_them_to_backward_in_order(tmp_path):
    report = run_check(write(tmp_path, "own_rate", TRAIN_OWN_RATE.format(rate=0.5)),
                       CheckConfig(timeout=5, dtypes=F64))
    assert report.check("gradient W1").passed and report.check("forward output").passed
