"""The escape hatch (a glue adapter) and layer-list designs assembled from a file's own layer classes."""

from __future__ import annotations

import textwrap
import types
from pathlib import Path

import numpy as np
import pytest

from compare.check import CheckConfig, check
from compare.check.checker import run_check
from compare.cli.main import main
from compare.sandbox.plan import describe

ROOT = Path(__file__).parents[3]
TEMPLATE = ROOT / "examples" / "adapter_template.py"
F64 = ("float64",)

# A class discovery cannot drive: its weights live in one flat vector, sliced on every call.
FLAT = textwrap.dedent('''
    import numpy as np

    class FlatNet:
        def __init__(self, shape):
            self.shape = tuple(shape)
            sizes = [(a, b) for a, b in zip(shape, shape[1:])]
            self.theta = np.random.default_rng(0).normal(0, 0.1, sum(a * b + b for a, b in sizes))

        def unpack(self, theta):
            out, i = [], 0
            for a, b in zip(self.shape, self.shape[1:]):
                out.append((theta[i:i + a * b].reshape(a, b), theta[i + a * b:i + a * b + b]))
                i += a * b + b
            return out

        def run(self, X):
            (W1, b1), (W2, b2) = self.unpack(self.theta)
            h = np.maximum(X @ W1 + b1, 0)
            return h, h @ W2 + b2

        def flat_gradient(self, X, Y):
            (W1, b1), (W2, b2) = self.unpack(self.theta)
            h, out = self.run(X)
            d = 2 * (out - Y) / Y.size {bug}
            dh = d @ W2.T * (h > 0)
            return np.concatenate([(X.T @ dh).ravel(), dh.sum(0), (h.T @ d).ravel(), d.sum(0)])
''')

FLAT_GLUE = textwrap.dedent('''
    def build(cls, sizes):
        return cls(sizes)

    def parameters(net):
        (W1, b1), (W2, b2) = net.unpack(net.theta)   # views into net.theta: written in place
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

    def forward(net, X):
        return net.run(X)[1]

    def gradients(net, X, Y):
        (W1, b1), (W2, b2) = net.unpack(net.flat_gradient(X, Y))
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
''')


def write(tmp_path, name, text) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_class_discovery_cannot_drive_is_one_adapter_away(tmp_path, capsys):
    net = write(tmp_path, "flat.py", FLAT.format(bug=""))
    assert main(["check", net, "--dtype", "float64", "--timeout", "5"]) == 3  # not checked: no weights to find
    assert "--adapter" in capsys.readouterr().out
    glue = write(tmp_path, "glue.py", FLAT_GLUE)
    assert main(["check", net, "--adapter", glue, "--timeout", "5"]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "driven through the adapter" in printed and "layers.0.weight = params['W1'] (30, 16) (in, out)" in printed


def test_through_an_adapter_a_bug_is_diagnosed_as_for_a_discovered_class(tmp_path):
    net = write(tmp_path, "flat.py", FLAT.format(bug="* 2"))
    report = run_check(f"{net}:FlatNet", CheckConfig(adapter=write(tmp_path, "glue.py", FLAT_GLUE), timeout=5))
    assert not report.passed
    for dtype in ("float64", "float32"):
        assert report.check("gradient W2", dtype).codes()[0] == "factor"
        assert report.check("gradient W2", dtype).findings[0].details["factor"] == pytest.approx(2)


def test_the_template_drives_the_class_it_describes(tmp_path):
    """examples/adapter_template.py is a working adapter for the class its docstring describes."""
    net = write(tmp_path, "layer_dicts.py", textwrap.dedent('''
        import numpy as np

        class LayerDicts:
            def __init__(self, layer_sizes, learning_rate):
                rng = np.random.default_rng(1)
                self.learning_rate = learning_rate
                self.layers = [{"w": rng.normal(0, 0.1, (a, b)), "b": np.zeros(b)}
                               for a, b in zip(layer_sizes, layer_sizes[1:])]

            def activations(self, X):
                acts = [X]
                for i, layer in enumerate(self.layers):
                    z = acts[-1] @ layer["w"] + layer["b"]
                    acts.append(np.maximum(z, 0) if i < len(self.layers) - 1 else z)
                return acts

            def predict(self, X):
                return self.activations(X)[-1]

            def compute_gradients(self, X, Y):
                acts = self.activations(X)
                delta, grads = 2 * (acts[-1] - Y) / Y.size, []
                for i in range(len(self.layers) - 1, -1, -1):
                    grads.insert(0, {"w": acts[i].T @ delta, "b": delta.sum(0)})
                    delta = (delta @ self.layers[i]["w"].T) * (acts[i] > 0)
                return grads

            def step(self, X, Y):
                for layer, g in zip(self.layers, self.compute_gradients(X, Y)):
                    layer["w"] -= self.learning_rate * g["w"]
                    layer["b"] -= self.learning_rate * g["b"]
    '''))
    report = run_check(net, CheckConfig(adapter=str(TEMPLATE), timeout=5))
    assert report.passed
    assert report.check("training run (10 epochs)").passed  # the template's train() ran the class's own step


def test_an_adapter_from_python_may_be_a_dict_and_copies_are_refused(tmp_path):
    namespace = {}
    exec(compile(FLAT.format(bug=""), "flat", "exec"), namespace)
    glue = {}
    exec(FLAT_GLUE, glue)
    functions = {k: glue[k] for k in ("build", "parameters", "forward", "gradients")}
    assert check(namespace["FlatNet"], adapter=functions, dtypes="float64", timeout=5).passed
    copies = {**functions, "parameters": lambda net: {k: v.copy() for k, v in glue["parameters"](net).items()}}
    report = check(namespace["FlatNet"], adapter=types.SimpleNamespace(**copies), dtypes="float64", timeout=5)
    assert not report.passed
    assert "must return the network's own arrays" in report.check("construct").findings[0].message


def test_an_adapter_without_its_functions_is_a_usage_error(tmp_path, capsys):
    net = write(tmp_path, "flat.py", FLAT.format(bug=""))
    glue = write(tmp_path, "glue.py", "def build(cls, sizes):\n    return cls(sizes)\n")
    assert main(["check", net, "--adapter", glue]) == 2
    err = capsys.readouterr().err
    assert "does not define parameters, forward, gradients" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exited:  # argparse: checked when the command line is read
        main(["check", net, "--adapter", str(tmp_path / "missing.py")])
    assert exited.value.code == 2 and "no such file" in capsys.readouterr().err


LAYERS = textwrap.dedent('''
    import numpy as np

    class Dense:
        def __init__(self, fan_in, fan_out, rng):
            self.W = rng.normal(0, 0.1, (fan_in, fan_out))
            self.b = np.zeros((1, fan_out))
            self.grad = {{}}

        def forward(self, x):
            self.x = x
            return x @ self.W + self.b

        def backward(self, g):
            self.grad["W"] = self.x.T @ g {bug}
            self.grad["b"] = g.sum(axis=0, keepdims=True)
            return g @ self.W.T

    class Sigmoid:
        def forward(self, x):
            self.out = 1 / (1 + np.exp(-x))
            return self.out

        def backward(self, g):
            return g * self.out * (1 - self.out)

    class BinaryCrossEntropy:
        def forward(self, p, y):
            self.p, self.y = p, y
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

        def backward(self):
            return (self.p - self.y) / (self.p * (1 - self.p)) / self.p.size
''')


def test_a_file_of_layer_classes_is_assembled_and_checked_as_a_network(tmp_path):
    report = run_check(write(tmp_path, "layers.py", LAYERS.format(bug="")),
                       CheckConfig(activation="sigmoid", loss="bce", timeout=5))
    assert report.passed
    text = " ".join(" ".join(describe(report.plan)).split())
    assert "[Dense(30, 16), Sigmoid(), Dense(16, 3), Sigmoid()] in a sequence built by the checker" in text
    assert "loss BinaryCrossEntropy()" in text


def test_a_bug_in_one_layer_class_is_named_on_every_layer_it_builds(tmp_path):
    report = run_check(write(tmp_path, "layers.py", LAYERS.format(bug="* 0.5")),
                       CheckConfig(activation="sigmoid", loss="bce", timeout=5, dtypes=F64))
    failed = [c.name for c in report.checks if c.kind == "gradient" and not c.passed]
    assert failed == ["gradient layers[2].W", "gradient layers[0].W"]
    assert all(np.isclose(report.check(name).findings[0].details["factor"], 0.5) for name in failed)
