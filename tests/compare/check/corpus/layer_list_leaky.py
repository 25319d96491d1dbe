"""A list of layer objects without a model framework: Dense (weights (out, in), as torch keeps them),
LeakyReLU, Dense; ``backward(grad)`` takes dL/d(output) and leaves ``layer.dW``, ``layer.db``.

Bug: LeakyReLU's backward was copied from ReLU's: the gradient of negative inputs is set to 0
instead of being multiplied by the slope 0.01.
"""

import numpy as np


class Dense:
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_out, n_in) * np.sqrt(1.0 / n_in)
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        return x @ self.W.T + self.b

    def backward(self, grad):
        self.dW = grad.T @ self.x
        self.db = grad.sum(axis=0)
        return grad @ self.W


class LeakyReLU:
    def __init__(self, alpha=0.01):
        self.alpha = alpha

    def forward(self, x):
        self.x = x
        return np.where(x > 0, x, self.alpha * x)

    def backward(self, grad):
        return grad * (self.x > 0)


class Network:
    def __init__(self, n_in, n_hidden, n_out):
        self.layers = [Dense(n_in, n_hidden), LeakyReLU(0.01), Dense(n_hidden, n_out)]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def train(self, X, y, epochs, lr):
        for epoch in range(epochs):
            out = self.forward(X)
            loss = np.mean((out - y) ** 2)
            self.backward(2 * (out - y) / out.size)
            for layer in self.layers:
                if isinstance(layer, Dense):
                    layer.W -= lr * layer.dW
                    layer.b -= lr * layer.db
            print(f"epoch {epoch}: loss {loss:.6f}")
