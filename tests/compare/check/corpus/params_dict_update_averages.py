"""A softmax classifier keeping its parameters in a dict, trained on integer class labels.

``MLP(input_dim, hidden_dim, num_classes, learning_rate=0.01, seed=42)``: ``self.params['W1']`` ...,
``backward(X, y)`` returns a dict of gradients of the mean cross-entropy (already divided by N).
Bug: ``train`` divides the gradients by the batch size once more in its update.
"""

import numpy as np


class MLP:
    def __init__(self, input_dim, hidden_dim, num_classes, learning_rate=0.01, seed=42):
        rng = np.random.RandomState(seed)
        self.params = {
            "W1": rng.randn(input_dim, hidden_dim) * np.sqrt(2.0 / input_dim),
            "b1": np.zeros((1, hidden_dim)),
            "W2": rng.randn(hidden_dim, num_classes) * np.sqrt(2.0 / hidden_dim),
            "b2": np.zeros((1, num_classes)),
        }
        self.learning_rate = learning_rate

    def forward(self, X):
        z1 = X @ self.params["W1"] + self.params["b1"]
        a1 = np.maximum(0, z1)
        logits = a1 @ self.params["W2"] + self.params["b2"]
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs = exp / exp.sum(axis=1, keepdims=True)
        self.cache = {"z1": z1, "a1": a1, "probs": probs}
        return probs

    def backward(self, X, y):
        n = X.shape[0]
        dlogits = self.cache["probs"].copy()
        dlogits[np.arange(n), y] -= 1
        dlogits /= n
        grads = {"W2": self.cache["a1"].T @ dlogits, "b2": dlogits.sum(axis=0, keepdims=True)}
        da1 = dlogits @ self.params["W2"].T
        dz1 = da1 * (self.cache["z1"] > 0)
        grads["W1"] = X.T @ dz1
        grads["b1"] = dz1.sum(axis=0, keepdims=True)
        return grads

    def train(self, X, y, epochs=100):
        n = X.shape[0]
        for epoch in range(epochs):
            probs = self.forward(X)
            loss = -np.mean(np.log(probs[np.arange(n), y]))
            grads = self.backward(X, y)
            for key in self.params:
                self.params[key] -= self.learning_rate * grads[key] / n
            print(f"Epoch {epoch}: loss = {loss:.4f}")
