"""Layer objects as in "Neural Networks from Scratch" (nnfs.io): Layer_Dense, Activation_ReLU, losses.

Each object keeps its inputs and, after backward, its gradients (``dweights``, ``dbiases``,
``dinputs``); an Optimizer_SGD updates the layers. ``Network(n_inputs, n_hidden, n_outputs)``
wires them for a regression with the mean squared error.
Bug: the loss's backward computes ``2 * (y_true - y_pred)``: the sign of every gradient is flipped.
"""

import numpy as np


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Loss_MeanSquaredError:
    def calculate(self, output, y):
        return np.mean(self.forward(output, y))

    def forward(self, y_pred, y_true):
        return np.mean((y_true - y_pred) ** 2, axis=-1)

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = 2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


class Optimizer_SGD:
    def __init__(self, learning_rate=1.0):
        self.learning_rate = learning_rate

    def update_params(self, layer):
        layer.weights += -self.learning_rate * layer.dweights
        layer.biases += -self.learning_rate * layer.dbiases


class Network:
    def __init__(self, n_inputs, n_hidden, n_outputs):
        self.dense1 = Layer_Dense(n_inputs, n_hidden)
        self.activation1 = Activation_ReLU()
        self.dense2 = Layer_Dense(n_hidden, n_outputs)
        self.loss_function = Loss_MeanSquaredError()

    def forward(self, X):
        self.dense1.forward(X)
        self.activation1.forward(self.dense1.output)
        self.dense2.forward(self.activation1.output)
        return self.dense2.output

    def backward(self, output, y):
        self.loss_function.backward(output, y)
        self.dense2.backward(self.loss_function.dinputs)
        self.activation1.backward(self.dense2.dinputs)
        self.dense1.backward(self.activation1.dinputs)

    def train(self, X, y, epochs, learning_rate):
        optimizer = Optimizer_SGD(learning_rate=learning_rate)
        for epoch in range(epochs):
            output = self.forward(X)
            loss = self.loss_function.calculate(output, y)
            print(f"epoch: {epoch}, loss: {loss:.3f}")
            self.backward(output, y)
            optimizer.update_params(self.dense1)
            optimizer.update_params(self.dense2)
