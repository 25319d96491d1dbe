"""A softmax classifier in lesson names whose backward takes the targets only.

The forward pass caches X and every activation, ``backward(Y)`` needs nothing else and keeps the
gradients as attributes (dW1 beside W1), ``update()`` applies them with the learning rate the
constructor requires, and ``train(X, Y, epochs)`` prints the cross-entropy of one-hot targets.
"""

import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class NeuralNetwork:
    def __init__(self, n_input, n_hidden, n_output, learning_rate):
        self.learning_rate = learning_rate
        self.W1 = np.random.randn(n_input, n_hidden) * 0.01
        self.b1 = np.zeros(n_hidden)
        self.W2 = np.random.randn(n_hidden, n_output) * 0.01
        self.b2 = np.zeros(n_output)

    def forward(self, X):
        self.X = X
        self.Z1 = X @ self.W1 + self.b1
        self.A1 = np.maximum(0, self.Z1)
        self.Z2 = self.A1 @ self.W2 + self.b2
        self.A2 = softmax(self.Z2)
        return self.A2

    def backward(self, Y):
        m = Y.shape[0]
        dZ2 = (self.A2 - Y) / m
        self.dW2 = self.A1.T @ dZ2
        self.db2 = dZ2.sum(axis=0)
        dA1 = dZ2 @ self.W2.T
        dZ1 = dA1 * (self.Z1 > 0)
        self.dW1 = self.X.T @ dZ1
        self.db1 = dZ1.sum(axis=0)

    def update(self):
        self.W1 -= self.learning_rate * self.dW1
        self.b1 -= self.learning_rate * self.db1
        self.W2 -= self.learning_rate * self.dW2
        self.b2 -= self.learning_rate * self.db2

    def train(self, X, Y, epochs):
        for epoch in range(epochs):
            probs = self.forward(X)
            loss = -np.mean(np.sum(Y * np.log(probs + 1e-12), axis=1))
            self.backward(Y)
            self.update()
            print(f"epoch {epoch + 1}/{epochs} - loss: {loss:.4f}")
