"""A sigmoid multi-label classifier with lesson names and the binary cross-entropy.

``backward(X, y, output)`` returns (dW1, db1, dW2, db2); ``train`` records the loss of each epoch.
Bug: backward computes the output delta in place in the output array it was given
(``delta = output; delta -= y``), so the forward's output - and the loss train computes from it
afterwards - is overwritten.
"""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def binary_cross_entropy(y, p):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = np.random.randn(input_size, hidden_size) * 0.1
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size) * 0.1
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.z1 = X @ self.W1 + self.b1
        self.a1 = np.maximum(0, self.z1)
        self.z2 = self.a1 @ self.W2 + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def backward(self, X, y, output):
        delta = output
        delta -= y
        delta /= y.size
        dW2 = self.a1.T @ delta
        db2 = delta.sum(axis=0, keepdims=True)
        dz1 = (delta @ self.W2.T) * (self.z1 > 0)
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0, keepdims=True)
        return dW1, db1, dW2, db2

    def train(self, X, y, epochs, learning_rate):
        history = []
        for _ in range(epochs):
            output = self.forward(X)
            dW1, db1, dW2, db2 = self.backward(X, y, output)
            history.append(binary_cross_entropy(y, output))
            self.W1 -= learning_rate * dW1
            self.b1 -= learning_rate * db1
            self.W2 -= learning_rate * dW2
            self.b2 -= learning_rate * db2
        return history
