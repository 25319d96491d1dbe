"""Torch-like layer classes: ``Linear`` keeps ``params`` and ``grad`` dicts, a ``BCELoss`` module.

The network ``NeuralNet(input_dim, hidden_dim, output_dim)`` holds a list of layers (Linear, ReLU,
Linear, Sigmoid); ``backward(y)`` starts from the loss of the cached output; the gradients stay on
the layers (``layer.grad['W']``) and ``train`` steps with them.
Bug: ``Linear.backward`` adds into its gradients (``+=``) and nothing ever resets them, so every
call after the first adds the new gradients to the old ones.
"""

import numpy as np


class Linear:
    def __init__(self, in_features, out_features):
        limit = np.sqrt(6.0 / (in_features + out_features))
        self.params = {"W": np.random.uniform(-limit, limit, (in_features, out_features)),
                       "b": np.zeros((1, out_features))}
        self.grad = {"W": np.zeros((in_features, out_features)), "b": np.zeros((1, out_features))}

    def forward(self, x):
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grad["W"] += self.x.T @ dout
        self.grad["b"] += dout.sum(axis=0, keepdims=True)
        return dout @ self.params["W"].T


class ReLU:
    def forward(self, x):
        self.x = x
        return np.maximum(0, x)

    def backward(self, dout):
        return dout * (self.x > 0)


class Sigmoid:
    def forward(self, x):
        self.out = 1 / (1 + np.exp(-x))
        return self.out

    def backward(self, dout):
        return dout * self.out * (1 - self.out)


class BCELoss:
    def forward(self, p, y):
        self.p, self.y = p, y
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    def backward(self):
        return (self.p - self.y) / (self.p * (1 - self.p)) / self.p.size


class NeuralNet:
    def __init__(self, input_dim, hidden_dim, output_dim):
        self.layers = [Linear(input_dim, hidden_dim), ReLU(), Linear(hidden_dim, output_dim), Sigmoid()]
        self.criterion = BCELoss()

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        self.out = x
        return x

    def backward(self, y):
        self.criterion.forward(self.out, y)
        dout = self.criterion.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)

    def train(self, X, y, epochs, lr):
        losses = []
        for _ in range(epochs):
            p = self.forward(X)
            losses.append(self.criterion.forward(p, y))
            self.backward(y)
            for layer in self.layers:
                if isinstance(layer, Linear):
                    layer.params["W"] -= lr * layer.grad["W"]
                    layer.params["b"] -= lr * layer.grad["b"]
        return losses
