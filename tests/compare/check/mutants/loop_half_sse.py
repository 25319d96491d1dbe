"""A correct lesson-interface network in another style: plain loops, no vectorisation, half-sum loss.

L = 1/2 sum over samples and outputs of (s - y)^2, so dL/ds = s - y (no 1/N, no 2):
checked with ``--loss half_sse``. Lists of lists inside, numpy arrays only at the
interface (the checker reads W1, b1, W2, b2 and the returned gradients).
"""

import math

import numpy as np


class LoopNet:
    def __init__(self, input_size, hidden_size, output_size):
        self.n_in, self.n_hidden, self.n_out = input_size, hidden_size, output_size
        self.W1 = np.full((input_size, hidden_size), 0.01)
        self.b1 = np.zeros((1, hidden_size))
        self.W2 = np.full((hidden_size, output_size), 0.01)
        self.b2 = np.zeros((1, output_size))

    def _sample_forward(self, x):
        z = [self.b1[0, j] + sum(x[i] * self.W1[i, j] for i in range(self.n_in)) for j in range(self.n_hidden)]
        h = [v if v > 0 else 0.0 for v in z]
        s = [self.b2[0, k] + sum(h[j] * self.W2[j, k] for j in range(self.n_hidden)) for k in range(self.n_out)]
        return z, h, s

    def forward(self, X):
        rows = [self._sample_forward(x) for x in X]
        return np.array([s for _, _, s in rows])

    def backward(self, X, Y, output):
        dW1 = [[0.0] * self.n_hidden for _ in range(self.n_in)]
        db1 = [0.0] * self.n_hidden
        dW2 = [[0.0] * self.n_out for _ in range(self.n_hidden)]
        db2 = [0.0] * self.n_out
        for x, y in zip(X, Y):
            z, h, s = self._sample_forward(x)          # recomputed: no cache to go stale
            err = [s[k] - y[k] for k in range(self.n_out)]
            for k in range(self.n_out):
                db2[k] += err[k]
                for j in range(self.n_hidden):
                    dW2[j][k] += h[j] * err[k]
            for j in range(self.n_hidden):
                back = sum(err[k] * self.W2[j, k] for k in range(self.n_out)) if z[j] > 0 else 0.0
                db1[j] += back
                for i in range(self.n_in):
                    dW1[i][j] += x[i] * back
        return np.array(dW1), np.array([db1]), np.array(dW2), np.array([db2])

    def train(self, X, Y, num_epochs, learning_rate):
        for epoch in range(num_epochs):
            output = self.forward(X)
            loss = 0.5 * sum((output[n, k] - Y[n, k]) ** 2 for n in range(len(Y)) for k in range(self.n_out))
            grads = self.backward(X, Y, output)
            for name, g in zip(("W1", "b1", "W2", "b2"), grads):
                setattr(self, name, getattr(self, name) - learning_rate * g)
            if epoch % 10 == 0:
                print(f"epoch {epoch}: loss = {loss:.6f} (rmse {math.sqrt(2 * loss / Y.size):.3f})")
