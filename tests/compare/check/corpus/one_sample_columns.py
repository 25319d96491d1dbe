"""One sample at a time as a column vector, with biases (n, 1) and a tanh hidden layer.

A reader of "Make Your Own Neural Network" who added biases and back-propagates the output *delta*
(the book sends back the output error): ``train(inputs_list, targets_list)`` takes one sample,
makes columns of it and steps with the learning rate the constructor requires, on
1/2 ||targets - outputs||^2 of that sample; ``predict`` is the forward pass.
"""

import numpy as np


class NeuralNet:
    def __init__(self, n_input, n_hidden, n_output, lr):
        self.W_ih = np.random.randn(n_hidden, n_input) / np.sqrt(n_input)
        self.b_h = np.zeros((n_hidden, 1))
        self.W_ho = np.random.randn(n_output, n_hidden) / np.sqrt(n_hidden)
        self.b_o = np.zeros((n_output, 1))
        self.lr = lr

    def predict(self, inputs_list):
        x = np.array(inputs_list, ndmin=2).T
        h = np.tanh(self.W_ih @ x + self.b_h)
        return self.W_ho @ h + self.b_o

    def train(self, inputs_list, targets_list):
        x = np.array(inputs_list, ndmin=2).T
        t = np.array(targets_list, ndmin=2).T
        h = np.tanh(self.W_ih @ x + self.b_h)
        y = self.W_ho @ h + self.b_o
        output_delta = y - t
        hidden_delta = (self.W_ho.T @ output_delta) * (1 - h**2)
        self.W_ho -= self.lr * output_delta @ h.T
        self.b_o -= self.lr * output_delta
        self.W_ih -= self.lr * hidden_delta @ x.T
        self.b_h -= self.lr * hidden_delta
