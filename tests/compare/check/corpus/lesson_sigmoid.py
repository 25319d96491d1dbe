"""The classic lesson network: sigmoid hidden and output layers, weights updated inside backward.

As in countless "neural network from scratch" notebooks: ``backward(X, y, output)`` changes the
weights in place with an implicit learning rate of 1 and returns nothing, and ``train(X, y,
epochs)`` has no learning rate at all. The update is the gradient of 1/2 sum (y - output)^2.
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(s):
    # s is already sigmoid(x)
    return s * (1 - s)


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.z1 = np.dot(X, self.W1) + self.b1
        self.a1 = sigmoid(self.z1)
        self.z2 = np.dot(self.a1, self.W2) + self.b2
        self.a2 = sigmoid(self.z2)
        return self.a2

    def backward(self, X, y, output):
        output_error = y - output
        output_delta = output_error * sigmoid_derivative(output)
        hidden_error = output_delta.dot(self.W2.T)
        hidden_delta = hidden_error * sigmoid_derivative(self.a1)
        self.W2 += self.a1.T.dot(output_delta)
        self.b2 += np.sum(output_delta, axis=0, keepdims=True)
        self.W1 += X.T.dot(hidden_delta)
        self.b1 += np.sum(hidden_delta, axis=0, keepdims=True)

    def train(self, X, y, epochs):
        for _ in range(epochs):
            output = self.forward(X)
            self.backward(X, y, output)
