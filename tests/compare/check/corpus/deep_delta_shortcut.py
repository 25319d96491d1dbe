"""Three weight layers in lesson names (W1, W2, W3), tanh hidden layers, a sigmoid output, the MSE.

Bug: the output delta is written as ``a3 - y``, the shortcut that is right for a sigmoid output
with the binary cross-entropy but not for the mean squared error this network reports and means
(its delta is 2 (a3 - y) / (N out) times the sigmoid derivative).
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


class NeuralNetwork:
    def __init__(self, n_inputs, n_hidden1, n_hidden2, n_outputs):
        self.W1 = np.random.randn(n_inputs, n_hidden1) / np.sqrt(n_inputs)
        self.b1 = np.zeros((1, n_hidden1))
        self.W2 = np.random.randn(n_hidden1, n_hidden2) / np.sqrt(n_hidden1)
        self.b2 = np.zeros((1, n_hidden2))
        self.W3 = np.random.randn(n_hidden2, n_outputs) / np.sqrt(n_hidden2)
        self.b3 = np.zeros((1, n_outputs))

    def forward(self, X):
        self.a1 = np.tanh(X @ self.W1 + self.b1)
        self.a2 = np.tanh(self.a1 @ self.W2 + self.b2)
        self.a3 = sigmoid(self.a2 @ self.W3 + self.b3)
        return self.a3

    def backward(self, X, y):
        m = X.shape[0]
        delta3 = self.a3 - y
        dW3 = self.a2.T @ delta3 / m
        db3 = np.sum(delta3, axis=0, keepdims=True) / m
        delta2 = (delta3 @ self.W3.T) * (1 - self.a2**2)
        dW2 = self.a1.T @ delta2 / m
        db2 = np.sum(delta2, axis=0, keepdims=True) / m
        delta1 = (delta2 @ self.W2.T) * (1 - self.a1**2)
        dW1 = X.T @ delta1 / m
        db1 = np.sum(delta1, axis=0, keepdims=True) / m
        return dW1, db1, dW2, db2, dW3, db3

    def train(self, X, y, epochs, lr):
        losses = []
        for _ in range(epochs):
            out = self.forward(X)
            losses.append(np.mean((out - y) ** 2))
            dW1, db1, dW2, db2, dW3, db3 = self.backward(X, y)
            self.W1 -= lr * dW1
            self.b1 -= lr * db1
            self.W2 -= lr * dW2
            self.b2 -= lr * db2
            self.W3 -= lr * dW3
            self.b3 -= lr * db3
        return losses
