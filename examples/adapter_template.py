"""A glue adapter: how `mlp-parity check` drives a network it cannot understand by itself.

    mlp-parity check student.py:MyNet --adapter adapter_template.py --loss ce

Copy this file and fill in the five functions for your class (from Python:
``check(MyNet, adapter=my_glue_module)``; a dict of the functions works too). The checker
then gives the network the shared initial weights, compares its output and every gradient
with torch, trains it next to torch.optim.SGD, and diagnoses what differs - exactly as for a
class it understood by itself. This file is executed, like the student's file.

The example below drives a network whose weights live in a list of layer dicts,
``net.layers[l] = {"w": (in, out), "b": (out,)}``, and whose backward returns the gradients
as a list of dicts in the same order.
"""


def build(cls, sizes):
    """An object of the class for the checker's sizes, (n_in, *hidden, n_out) - e.g. (30, 16, 3)."""
    return cls(layer_sizes=sizes, learning_rate=0.1)


def parameters(net):
    """{name: array}: the very arrays the network computes with, not copies (the checker writes the
    shared initial weights into them). Weights (in, out) or (out, in); biases of any shape."""
    params = {}
    for l, layer in enumerate(net.layers):
        params[f"W{l + 1}"] = layer["w"]
        params[f"b{l + 1}"] = layer["b"]
    return params


def forward(net, X):
    """The network's output (N, n_out) for inputs X (N, n_in), one sample per row."""
    return net.predict(X)


def gradients(net, X, Y):
    """{name: gradient} of the loss for this batch, named as in parameters(). Y is (N, n_out), one-hot
    for a classifier (use Y.argmax(axis=1) if your class takes integer labels)."""
    grads = net.compute_gradients(X, Y)
    return {f"{kind}{l + 1}": g[key] for l, g in enumerate(grads) for kind, key in (("W", "w"), ("b", "b"))}


def train(net, X, Y, epochs, lr):
    """Optional: the class's own training loop (delete this function to let the checker run SGD with your
    gradients). Must use the learning rate it is given."""
    net.learning_rate = lr
    for _ in range(epochs):
        net.step(X, Y)
