"""A batch version of "Make Your Own Neural Network": wih (hidden, in), who (out, hidden), biases as
columns (n, 1), samples as the columns of the input, sigmoid everywhere, the mean squared error.

``backward(inputs, targets)`` returns a dict of gradients; ``train(inputs, targets, epochs)`` uses
the learning rate the constructor requires.
Bug: the gradient of ``who`` is computed as hidden @ delta.T, the transpose of the parameter's
shape; the update transposes it back, so training is right but the gradient returned is not.
"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class NeuralNetwork:
    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate):
        self.wih = np.random.normal(0.0, pow(inputnodes, -0.5), (hiddennodes, inputnodes))
        self.who = np.random.normal(0.0, pow(hiddennodes, -0.5), (outputnodes, hiddennodes))
        self.bh = np.zeros((hiddennodes, 1))
        self.bo = np.zeros((outputnodes, 1))
        self.lr = learningrate

    def query(self, inputs):
        self.hidden_outputs = sigmoid(self.wih @ inputs + self.bh)
        self.final_outputs = sigmoid(self.who @ self.hidden_outputs + self.bo)
        return self.final_outputs

    def backward(self, inputs, targets):
        output_delta = 2 * (self.final_outputs - targets) / targets.size * self.final_outputs * (1 - self.final_outputs)
        hidden_delta = (self.who.T @ output_delta) * self.hidden_outputs * (1 - self.hidden_outputs)
        grads = {
            "who": self.hidden_outputs @ output_delta.T,
            "bo": output_delta.sum(axis=1, keepdims=True),
            "wih": hidden_delta @ inputs.T,
            "bh": hidden_delta.sum(axis=1, keepdims=True),
        }
        return grads

    def train(self, inputs, targets, epochs):
        for _ in range(epochs):
            self.query(inputs)
            grads = self.backward(inputs, targets)
            self.who -= self.lr * grads["who"].T
            self.bo -= self.lr * grads["bo"]
            self.wih -= self.lr * grads["wih"]
            self.bh -= self.lr * grads["bh"]
