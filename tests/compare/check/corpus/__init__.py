"""The corpus: hand-written NumPy networks as courses, textbooks and blog posts write them, with what
``mlp-parity check`` must say about each.

One module per implementation, each in the style of a real source (lesson notebooks, Nielsen's
network.py, "Make Your Own Neural Network", Udacity's bike-sharing project, CS231n's TwoLayerNet,
"Deep Learning from Scratch", "Neural Networks from Scratch", layer-list blog frameworks). Each
computes in the dtype of the arrays it is given, so that it can be checked in float64 and float32.
Correct ones must pass with at most a loss and an activation flag; each buggy one has ONE typical
bug and must fail first on ``fails`` with every code of ``codes`` among the findings of that check,
of the overview, or of the card's notes.

The issue's styles (issue 13, "Styles it must understand"):

1. lesson names W1, b1, W2, b2 (backward that updates in place with an implicit rate of 1, backward(Y),
   backward(X, y, learning_rate), train(X, y, epochs) without a rate, sigmoid hidden and output);
2. constructors that need a learning rate, a list of sizes, a regularisation strength;
3. weights under other names and in containers, either orientation, biases (n,), (1, n), (n, 1) or none;
4. one sample at a time as column vectors;
5. CS231n's TwoLayerNet and "Deep Learning from Scratch" (layers holding the params dict's arrays);
6. layer-list designs (Linear/Dense, ReLU, Sigmoid classes; with or without a Model container);
7. any depth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent
ALLOWED_OPTIONS = {"loss", "activation", "output_activation"}


@dataclass(frozen=True)
class Case:
    """One implementation and what the checker must say about it.

    ``params``: torch key -> where the class keeps that parameter, as the report prints a place
    (``W1``, ``params['W1']``, ``weights[0]``, ``layers[0].W``); discovery must find it there.
    ``fails``: the first failing check of a buggy one: a check name, where ``gradient <torch key>``
    stands for the gradient check of that parameter under the class's own name.
    ``checker_bug``: a known bug of the checker this case still meets (what the checker says wrongly): the
    expectation stands unchanged and the test fails on it as long as the bug lives, reported as an expected
    failure - and as an error once the checker is fixed, so that the entry is removed.
    """

    module: str
    cls: str
    styles: tuple[int, ...]
    options: dict
    params: dict
    bug: str | None = None
    fails: str | None = None
    codes: tuple[str, ...] = ()
    details: dict = field(default_factory=dict)   # numbers the first expected finding must carry
    checker_bug: str | None = None

    def __post_init__(self):
        assert set(self.options) <= ALLOWED_OPTIONS, f"{self.module}: only a loss and activations may be given"
        assert (self.bug is None) == (self.fails is None) == (not self.codes), f"{self.module}: bug, fails, codes"
        assert (HERE / f"{self.module}.py").is_file(), self.module

    @property
    def correct(self) -> bool:
        return self.bug is None

    @property
    def path(self) -> Path:
        return HERE / f"{self.module}.py"

    @property
    def source(self) -> str:
        return self.path.read_text()


def lesson(*layers: int) -> dict:
    """W1, b1, ... Wn, bn as plain attributes."""
    return {k: v for l in layers for k, v in ((f"layers.{l - 1}.weight", f"W{l}"), (f"layers.{l - 1}.bias", f"b{l}"))}


def placed(weight: str, bias: str | None, n_layers: int = 2) -> dict:
    """Parameters at places formatted with the layer number: ``{l}`` 0-based, ``{n}`` 1-based, ``{l2}`` the
    position in a list of layers that alternates weight layers and activations (0, 2, ...)."""
    out = {}
    for l in range(n_layers):
        out[f"layers.{l}.weight"] = weight.format(l=l, n=l + 1, l2=2 * l)
        if bias is not None:
            out[f"layers.{l}.bias"] = bias.format(l=l, n=l + 1, l2=2 * l)
    return out


SIGMOID = {"activation": "sigmoid", "output_activation": "sigmoid"}
CE_LOGITS = {"loss": "ce", "output_activation": "identity"}   # a forward that returns the scores

CASES = [
    # -- correct --------------------------------------------------------------------------------------------
    Case("lesson_sigmoid", "NeuralNetwork", (1,), {**SIGMOID, "loss": "half_sse"}, lesson(1, 2)),
    Case("lesson_onearg_softmax", "NeuralNetwork", (1, 2), {"loss": "ce"}, lesson(1, 2)),
    Case("dlfs_two_layer", "TwoLayerNet", (5,), CE_LOGITS, placed("params['W{n}']", "params['b{n}']")),
    Case("cs231n_two_layer", "TwoLayerNet", (5,), CE_LOGITS, placed("params['W{n}']", "params['b{n}']")),
    Case("nielsen_network", "Network", (2, 3, 4), {**SIGMOID, "loss": "half_sse_n"},
         placed("weights[{l}]", "biases[{l}]")),
    Case("one_sample_columns", "NeuralNet", (2, 3, 4), {"activation": "tanh", "loss": "half_sse_n"},
         {"layers.0.weight": "W_ih", "layers.0.bias": "b_h", "layers.1.weight": "W_ho", "layers.1.bias": "b_o"}),
    Case("layers_model", "MLP", (6,), {}, placed("layers[{l2}].W", "layers[{l2}].b")),
    Case("deep_lesson", "NeuralNetwork", (1, 7), {}, lesson(1, 2, 3)),
    Case("layer_sizes_bce", "NeuralNetwork", (2, 3), {"loss": "bce"}, placed("weights[{l}]", "biases[{l}]")),
    Case("udacity_bike_sharing", "NeuralNetwork", (2, 3), {"activation": "sigmoid", "loss": "half_sse_n"},
         {"layers.0.weight": "weights_input_to_hidden", "layers.1.weight": "weights_hidden_to_output"}),
    # -- one bug each -----------------------------------------------------------------------------------------
    Case("lesson_lr_in_backward", "NeuralNetwork", (1,), {}, lesson(1, 2),
         bug="the 1/N of the mean is missing", fails="gradient layers.1.weight", codes=("factor",),
         details={"factor": 5.0}),
    Case("cs231n_layers_no_relu_mask", "TwoLayerNet", (5,), CE_LOGITS, placed("params['W{n}']", "params['b{n}']"),
         bug="relu_backward forgets the mask", fails="gradient layers.0.weight",
         codes=("missing_activation_derivative",)),
    Case("dlfs_multilayer_sigmoid", "MultiLayerNet", (5, 2), {"activation": "sigmoid", **CE_LOGITS},
         placed("params['W{n}']", "params['b{n}']"),
         bug="sigmoid derivative taken at the activation output", fails="gradient layers.0.weight",
         codes=("derivative_at_activation_output",)),
    Case("layers_grad_dict_accumulates", "NeuralNet", (6,), {"loss": "bce"},
         placed("layers[{l2}].params['W']", "layers[{l2}].params['b']"),
         bug="gradients accumulate with += and are never reset", fails="gradients reset between calls",
         codes=("accumulates",)),
    Case("weight_lists_stale_cache", "Network", (2, 3), {}, placed("weights[{l}]", "biases[{l}]"),
         bug="caches appended to and read from the front", fails="no stale cache", codes=("stale_cache",)),
    Case("nnfs_sign_error", "Network", (6,), {}, placed("dense{n}.weights", "dense{n}.biases"),
         bug="the loss gradient's sign is flipped", fails="gradient layers.1.weight", codes=("sign_flipped",)),
    Case("lesson_overwrites_output", "NeuralNetwork", (1,), {"loss": "bce"}, lesson(1, 2),
         bug="backward overwrites the output in place", fails="reported loss", codes=("overwrote_output",)),
    Case("params_dict_update_averages", "MLP", (2, 3), {"loss": "ce"}, placed("params['W{n}']", "params['b{n}']"),
         bug="the update divides the mean gradient by N again", fails="one training step",
         codes=("update_averages",)),
    Case("deep_delta_shortcut", "NeuralNetwork", (1, 7), {"activation": "tanh", "output_activation": "sigmoid"},
         lesson(1, 2, 3), bug="output delta a - y with the mean squared error", fails="gradient layers.2.weight",
         codes=("other_loss",)),
    Case("layer_list_leaky", "Network", (6, 3), {"activation": "leaky_relu"},
         placed("layers[{l2}].W", "layers[{l2}].b"),
         bug="LeakyReLU backward copied from ReLU (slope 0)", fails="gradient layers.0.weight",
         codes=("leaky_slope",), details={"slope": 0.0}),
    Case("columns_wih_who_transposed", "NeuralNetwork", (3,), {**SIGMOID, "loss": "mse"},
         {"layers.0.weight": "wih", "layers.0.bias": "bh", "layers.1.weight": "who", "layers.1.bias": "bo"},
         bug="the gradient of who is transposed", fails="gradient layers.1.weight", codes=("transposed",)),
    Case("myonn", "neuralNetwork", (2, 3, 4), {**SIGMOID, "loss": "half_sse_n"},
         {"layers.0.weight": "wih", "layers.1.weight": "who"},
         bug="the book sends the output error, not the delta, back to the hidden layer",
         fails="gradient layers.0.weight", codes=("error_not_delta",)),
    Case("softmax_derivative_twice", "Classifier", (2,), {"loss": "ce"}, lesson(1, 2),
         bug="p (1 - p) applied on top of p - y", fails="gradient layers.1.weight",
         codes=("activation_derivative_twice",)),
]
