"""A multi-label classifier built from a list of layer sizes: ``NeuralNetwork(layer_sizes, lr, reg)``.

Weights and biases live in lists (``self.weights[l]`` (in, out), ``self.biases[l]`` (n,)); ReLU
hidden layers, a sigmoid output and the binary cross-entropy averaged over every entry; L2
regularisation ``reg``. ``backward(X, y)`` returns two lists (weights, then biases); ``fit`` uses
the learning rate given to the constructor.
"""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class NeuralNetwork:
    def __init__(self, layer_sizes, lr, reg):
        self.lr = lr
        self.reg = reg
        self.weights = []
        self.biases = []
        for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
            self.weights.append(np.random.randn(n_in, n_out) * np.sqrt(2.0 / n_in))
            self.biases.append(np.zeros(n_out))

    def forward(self, X):
        self.activations = [X]
        self.zs = []
        a = X
        for i, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W + b
            self.zs.append(z)
            a = sigmoid(z) if i == len(self.weights) - 1 else np.maximum(z, 0)
            self.activations.append(a)
        return a

    def backward(self, X, y):
        grads_w = [None] * len(self.weights)
        grads_b = [None] * len(self.biases)
        delta = (self.activations[-1] - y) / y.size
        for l in reversed(range(len(self.weights))):
            grads_w[l] = self.activations[l].T @ delta + self.reg * self.weights[l]
            grads_b[l] = delta.sum(axis=0)
            if l > 0:
                delta = (delta @ self.weights[l].T) * (self.zs[l - 1] > 0)
        return grads_w, grads_b

    def loss(self, y, y_hat):
        eps = 1e-12
        bce = -np.mean(y * np.log(y_hat + eps) + (1 - y) * np.log(1 - y_hat + eps))
        return bce + 0.5 * self.reg * sum(np.sum(W * W) for W in self.weights)

    def fit(self, X, y, epochs):
        for epoch in range(epochs):
            y_hat = self.forward(X)
            print("epoch", epoch, "loss", self.loss(y, y_hat))
            grads_w, grads_b = self.backward(X, y)
            for l in range(len(self.weights)):
                self.weights[l] -= self.lr * grads_w[l]
                self.biases[l] -= self.lr * grads_b[l]
