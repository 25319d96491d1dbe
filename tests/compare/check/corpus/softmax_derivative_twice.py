"""A softmax classifier whose constructor requires ``lr``: ``Classifier(n_features, n_hidden, n_classes, lr)``.

``backward(X, y, output)`` returns the gradients (dW1, db1, dW2, db2) of the cross-entropy of
one-hot targets; ``train(X, y, epochs)`` uses the constructor's rate.
Bug: the output delta p - y is multiplied by p (1 - p) as well, as if the softmax derivative had
to be applied on top of the cross-entropy's gradient (it cancels into p - y already).
"""

import numpy as np


class Classifier:
    def __init__(self, n_features, n_hidden, n_classes, lr):
        self.lr = lr
        self.W1 = np.random.randn(n_features, n_hidden) * 0.01
        self.b1 = np.zeros((1, n_hidden))
        self.W2 = np.random.randn(n_hidden, n_classes) * 0.01
        self.b2 = np.zeros((1, n_classes))

    def softmax(self, z):
        exps = np.exp(z - np.max(z, axis=1, keepdims=True))
        return exps / np.sum(exps, axis=1, keepdims=True)

    def forward(self, X):
        self.z1 = np.dot(X, self.W1) + self.b1
        self.a1 = np.maximum(0, self.z1)
        self.z2 = np.dot(self.a1, self.W2) + self.b2
        self.probs = self.softmax(self.z2)
        return self.probs

    def backward(self, X, y, output):
        m = X.shape[0]
        dz2 = (output - y) * output * (1 - output) / m
        dW2 = np.dot(self.a1.T, dz2)
        db2 = np.sum(dz2, axis=0, keepdims=True)
        dz1 = np.dot(dz2, self.W2.T) * (self.z1 > 0)
        dW1 = np.dot(X.T, dz1)
        db1 = np.sum(dz1, axis=0, keepdims=True)
        return dW1, db1, dW2, db2

    def train(self, X, y, epochs):
        for epoch in range(epochs):
            output = self.forward(X)
            loss = -np.sum(y * np.log(output)) / X.shape[0]
            dW1, db1, dW2, db2 = self.backward(X, y, output)
            self.W1 -= self.lr * dW1
            self.b1 -= self.lr * db1
            self.W2 -= self.lr * dW2
            self.b2 -= self.lr * db2
            print(f"Epoch {epoch}, Loss: {loss:.4f}")
