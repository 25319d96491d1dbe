"""The lesson network with two hidden layers: W1, b1, W2, b2, W3, b3, the mean squared error.

``backward`` returns a dict of gradients named dW1 ... db3; ``train`` returns the losses.
"""

import numpy as np


def relu(z):
    return np.maximum(0, z)


def relu_derivative(z):
    return (z > 0).astype(z.dtype)


class NeuralNetwork:
    def __init__(self, input_size, hidden1_size, hidden2_size, output_size):
        self.W1 = np.random.randn(input_size, hidden1_size) * np.sqrt(2 / input_size)
        self.b1 = np.zeros((1, hidden1_size))
        self.W2 = np.random.randn(hidden1_size, hidden2_size) * np.sqrt(2 / hidden1_size)
        self.b2 = np.zeros((1, hidden2_size))
        self.W3 = np.random.randn(hidden2_size, output_size) * np.sqrt(2 / hidden2_size)
        self.b3 = np.zeros((1, output_size))

    def forward(self, X):
        self.z1 = X @ self.W1 + self.b1
        self.a1 = relu(self.z1)
        self.z2 = self.a1 @ self.W2 + self.b2
        self.a2 = relu(self.z2)
        self.z3 = self.a2 @ self.W3 + self.b3
        return self.z3

    def backward(self, X, y, output):
        n = X.shape[0]
        dz3 = 2 * (output - y) / (n * y.shape[1])
        grads = {"dW3": self.a2.T @ dz3, "db3": dz3.sum(axis=0, keepdims=True)}
        dz2 = (dz3 @ self.W3.T) * relu_derivative(self.z2)
        grads["dW2"] = self.a1.T @ dz2
        grads["db2"] = dz2.sum(axis=0, keepdims=True)
        dz1 = (dz2 @ self.W2.T) * relu_derivative(self.z1)
        grads["dW1"] = X.T @ dz1
        grads["db1"] = dz1.sum(axis=0, keepdims=True)
        return grads

    def train(self, X, y, epochs, learning_rate):
        losses = []
        for _ in range(epochs):
            output = self.forward(X)
            losses.append(np.mean((output - y) ** 2))
            grads = self.backward(X, y, output)
            self.W1 -= learning_rate * grads["dW1"]
            self.b1 -= learning_rate * grads["db1"]
            self.W2 -= learning_rate * grads["dW2"]
            self.b2 -= learning_rate * grads["db2"]
            self.W3 -= learning_rate * grads["dW3"]
            self.b3 -= learning_rate * grads["db3"]
        return losses
