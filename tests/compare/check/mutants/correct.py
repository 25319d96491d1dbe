"""A correct network in the classic lesson interface: the base every mutant is made from.

Written the way course notebooks write it (weights (in, out), biases (1, n),
X @ W + b, the gradient of the mean squared error), not the way this project
does, so the checker is tested on the layout it has to translate. The mutants
in ``catalogue.py`` are one-line text edits of this file.
"""

import numpy as np


def relu(z):
    return np.maximum(z, 0)


def relu_derivative(z):
    return (z > 0).astype(z.dtype)


def leaky_relu(z, slope=0.01):
    return np.where(z > 0, z, slope * z)


def leaky_relu_derivative(z, slope=0.01):
    return np.where(z > 0, 1.0, slope).astype(z.dtype)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


ACTIVATIONS = {
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
}


class NeuralNetwork:
    activation = "relu"

    def __init__(self, input_size, hidden_size, output_size):
        rng = np.random.default_rng(0)
        self.W1 = rng.normal(0, 1 / np.sqrt(input_size), (input_size, hidden_size))
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = rng.normal(0, 1 / np.sqrt(hidden_size), (hidden_size, output_size))
        self.b2 = np.zeros((1, output_size))
        self.f, self.df = ACTIVATIONS[self.activation]

    def forward(self, X):
        self.z1 = X @ self.W1 + self.b1
        self.a1 = self.f(self.z1)
        self.z2 = self.a1 @ self.W2 + self.b2
        return self.z2

    def backward(self, X, Y, output):
        n = X.shape[0]
        d_output = 2 * (output - Y) / (n * Y.shape[1])   # d mean((s - y)^2) / ds
        dW2 = self.a1.T @ d_output
        db2 = d_output.sum(axis=0, keepdims=True)
        d_hidden = d_output @ self.W2.T
        dz1 = d_hidden * self.df(self.z1)
        dW1 = X.T @ dz1
        db1 = dz1.sum(axis=0, keepdims=True)
        return dW1, db1, dW2, db2

    def train(self, X, Y, num_epochs, learning_rate):
        losses = []
        for epoch in range(num_epochs):
            output = self.forward(X)
            loss = np.mean((output - Y) ** 2)
            losses.append(loss)
            dW1, db1, dW2, db2 = self.backward(X, Y, output)
            self.W1 -= learning_rate * dW1
            self.b1 -= learning_rate * db1
            self.W2 -= learning_rate * dW2
            self.b2 -= learning_rate * db2
            if epoch % 100 == 0:
                print(f"Epoch {epoch}, loss {loss:.4f}")
        return losses
