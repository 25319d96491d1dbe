"""A student's first network for the lesson - with the lesson's own bug. Try:

    mlp-parity check examples/student_mlp.py:NeuralNetwork --output-activation relu

The backward pass starts from the output instead of output minus target, so the
gradient never sees the targets; training pushes every output to 0 and the
printed loss still goes down for a while. The fix is one line (marked below).
"""

import numpy as np


def relu(x):
    return np.maximum(0, x)


def relu_derivative(x):
    return (x > 0).astype(float)


class NeuralNetwork:
    def __init__(self, input_size, hidden_size, output_size):
        self.W1 = np.random.randn(input_size, hidden_size) / np.sqrt(input_size)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.random.randn(hidden_size, output_size) / np.sqrt(hidden_size)
        self.b2 = np.zeros((1, output_size))

    def forward(self, X):
        self.hidden = relu(X @ self.W1 + self.b1)
        self.output = relu(self.hidden @ self.W2 + self.b2)
        return self.output

    def backward(self, X, y, output):
        output_error = output  # BUG: should be 2 * (output - y) / y.size, the gradient of the mean squared error
        output_delta = output_error * relu_derivative(output)
        hidden_error = output_delta @ self.W2.T
        hidden_delta = hidden_error * relu_derivative(self.hidden)
        dW2 = self.hidden.T @ output_delta
        db2 = np.sum(output_delta, axis=0, keepdims=True)
        dW1 = X.T @ hidden_delta
        db1 = np.sum(hidden_delta, axis=0, keepdims=True)
        return dW1, db1, dW2, db2

    def train(self, X, y, num_epochs, learning_rate):
        for epoch in range(num_epochs):
            output = self.forward(X)
            dW1, db1, dW2, db2 = self.backward(X, y, output)
            self.W1 -= learning_rate * dW1
            self.b1 -= learning_rate * db1
            self.W2 -= learning_rate * dW2
            self.b2 -= learning_rate * db2
            if epoch % 100 == 0:
                loss = np.mean(np.square(y - output))
                print(f"Epoch {epoch}, Loss: {loss:.4f}")
