"""Lesson names; ``backward(X, y, learning_rate)`` applies the update itself and returns nothing.

Bug: the output delta of the mean squared error divides by the number of outputs only, so the
1/N of the mean over the batch is missing (every gradient is N times too large).
"""

import numpy as np


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = 0.1 * np.random.randn(input_size, hidden_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = 0.1 * np.random.randn(hidden_size, output_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.hidden_input = X @ self.W1 + self.b1
        self.hidden_output = np.maximum(0, self.hidden_input)
        self.output = self.hidden_output @ self.W2 + self.b2
        return self.output

    def backward(self, X, y, learning_rate):
        d_output = 2 * (self.output - y) / y.shape[1]
        dW2 = self.hidden_output.T @ d_output
        db2 = np.sum(d_output, axis=0, keepdims=True)
        d_hidden = (d_output @ self.W2.T) * (self.hidden_input > 0)
        dW1 = X.T @ d_hidden
        db1 = np.sum(d_hidden, axis=0, keepdims=True)
        self.W2 -= learning_rate * dW2
        self.b2 -= learning_rate * db2
        self.W1 -= learning_rate * dW1
        self.b1 -= learning_rate * db1

    def train(self, X, y, epochs, learning_rate):
        for epoch in range(epochs):
            output = self.forward(X)
            loss = np.mean((output - y) ** 2)
            self.backward(X, y, learning_rate)
            if epoch % 10 == 0:
                print(f"Epoch {epoch}: loss = {loss:.6f}")
