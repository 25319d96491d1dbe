"""Weights and biases in lists built from ``sizes``; the forward pass caches every layer's values.

``Network(sizes)``: ``self.weights[l]`` (in, out), ``self.biases[l]`` (1, out), ReLU hidden layers,
a linear output, the mean squared error; ``backward(X, y)`` returns ``(nabla_w, nabla_b)``.
Bug: the caches are lists created once in the constructor; every forward call appends to them and
backward reads them from the front, i.e. the values of the first forward call ever made.
"""

import numpy as np


class Network:
    def __init__(self, sizes):
        self.sizes = sizes
        self.weights = [np.random.randn(m, n) * np.sqrt(2.0 / m) for m, n in zip(sizes[:-1], sizes[1:])]
        self.biases = [np.zeros((1, n)) for n in sizes[1:]]
        self.zs = []
        self.activations = []

    def forward(self, X):
        a = X
        self.activations.append(a)
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ w + b
            self.zs.append(z)
            a = z if l == len(self.weights) - 1 else np.maximum(0, z)
            self.activations.append(a)
        return a

    def backward(self, X, y):
        L = len(self.weights)
        nabla_w = [np.zeros_like(w) for w in self.weights]
        nabla_b = [np.zeros_like(b) for b in self.biases]
        delta = 2 * (self.activations[L] - y) / y.size
        for l in range(L - 1, -1, -1):
            nabla_w[l] = self.activations[l].T @ delta
            nabla_b[l] = delta.sum(axis=0, keepdims=True)
            if l > 0:
                delta = (delta @ self.weights[l].T) * (self.zs[l - 1] > 0)
        return nabla_w, nabla_b

    def train(self, X, y, epochs, eta):
        for epoch in range(epochs):
            out = self.forward(X)
            print(f"epoch {epoch}: mse {np.mean((out - y) ** 2):.5f}")
            nabla_w, nabla_b = self.backward(X, y)
            self.weights = [w - eta * nw for w, nw in zip(self.weights, nabla_w)]
            self.biases = [b - eta * nb for b, nb in zip(self.biases, nabla_b)]
