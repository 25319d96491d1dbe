"""Layer classes with forward/backward and a ``Model(layers, loss)`` container, as in blog-post frameworks.

``Dense`` keeps its gradients on itself (``layer.dW``, ``layer.db``), ``Model.backward(y_pred, y_true)``
runs the loss and the layers backwards, ``step(lr)`` updates. The network under test, ``MLP``, is
the container built from layer sizes.
"""

import numpy as np


class Layer:
    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError


class Dense(Layer):
    def __init__(self, n_in, n_out):
        self.W = np.random.randn(n_in, n_out) * np.sqrt(2.0 / n_in)
        self.b = np.zeros((1, n_out))

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad):
        self.dW = self.x.T @ grad
        self.db = grad.sum(axis=0, keepdims=True)
        return grad @ self.W.T


class ReLU(Layer):
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, grad):
        return grad * self.mask


class MSELoss:
    def forward(self, y_pred, y_true):
        self.diff = y_pred - y_true
        return np.mean(self.diff**2)

    def backward(self):
        return 2 * self.diff / self.diff.size


class Model:
    def __init__(self, layers, loss):
        self.layers = layers
        self.loss_fn = loss

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, y_pred, y_true):
        self.loss_fn.forward(y_pred, y_true)
        grad = self.loss_fn.backward()
        for layer in reversed(self.layers):
            grad = layer.backward(grad)

    def step(self, lr):
        for layer in self.layers:
            if isinstance(layer, Dense):
                layer.W -= lr * layer.dW
                layer.b -= lr * layer.db

    def train(self, X, y, epochs, lr):
        history = []
        for _ in range(epochs):
            y_pred = self.forward(X)
            history.append(self.loss_fn.forward(y_pred, y))
            self.backward(y_pred, y)
            self.step(lr)
        return history


class MLP(Model):
    def __init__(self, n_inputs, n_hidden, n_outputs):
        super().__init__([Dense(n_inputs, n_hidden), ReLU(), Dense(n_hidden, n_outputs)], MSELoss())
