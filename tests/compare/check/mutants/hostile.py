"""Networks that attack the checker instead of computing wrongly (issue 12, sections 2 and 3).

Each is the correct network of ``correct.py`` with one thing added that, run in the checker's
own process, used to reach the verdict: it patches torch, edits the checker's arrays, outlives
the report, ends the process, defeats the time limit, or hides its output. The checker runs
the user's code in a child process; each class here must end in a report with the right
finding (or pass, where its gradients are right).
"""

import atexit
import os
import signal
import threading
import time

import numpy as np
from misbehaving import FOREVER, NeuralNetwork  # noqa: E402 - beside this file: the correct network, "forever"


class PatchesTorch(NeuralNetwork):
    """Doubles its gradients, then patches torch so that torch's gradients double too."""

    def __init__(self, *args):
        super().__init__(*args)
        import torch

        original = torch.Tensor.backward

        def doubled(tensor, *a, **k):
            (tensor * 2).backward(*a, **k) if tensor.dim() == 0 else original(tensor, *a, **k)
        torch.Tensor.backward = doubled
        torch.autograd.backward = lambda tensors, *a, **k: original(tensors * 2, *a, **k)

    def backward(self, X, Y, output):
        return tuple(2 * g for g in super().backward(X, Y, output))


class EditsTheCheckersArrays(NeuralNetwork):
    """Correct gradients, then zeroes the X and Y it was given: a checker that reused them would
    compare the reference on a blank batch. (Its own training loop works on copies.)"""

    def backward(self, X, Y, output):
        grads = super().backward(X, Y, output)
        X[...] = 0
        Y[...] = 0
        return grads

    def train(self, X, Y, num_epochs, learning_rate):
        losses = []
        for _ in range(num_epochs):
            losses += super().train(X.copy(), Y.copy(), 1, learning_rate)
        return losses


class LeavesAThread(NeuralNetwork):
    """Starts a non-daemon thread that never ends: it must not keep the check alive."""

    def __init__(self, *args):
        super().__init__(*args)
        threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()


class ExitsTheProcess(NeuralNetwork):
    """``os._exit(3)`` in backward: no exception, no clean-up - the process is simply gone."""

    def backward(self, X, Y, output):
        os._exit(3)


class AtexitHook(NeuralNetwork):
    """Registers an exit hook that ends the process with code 7 (it must never decide the exit code)."""

    def __init__(self, *args):
        super().__init__(*args)
        atexit.register(os._exit, 7)


class IgnoresTheAlarm(NeuralNetwork):
    """Ignores SIGALRM (the in-process time limit) and then loops: only killing the process stops it."""

    def forward(self, X):
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        end = time.monotonic() + FOREVER
        while time.monotonic() < end:
            pass
        return super().forward(X)


class _Unprintable(Exception):
    def __str__(self):
        while True:
            pass


class LoopingMessage(NeuralNetwork):
    """Raises an exception whose ``__str__`` never returns."""

    def backward(self, X, Y, output):
        raise _Unprintable


class WritesToTheDescriptors(NeuralNetwork):
    """Writes past ``sys.stdout`` straight to file descriptors 1 and 2 (as C code does), and prints its
    loss there: the output is captured, never reaches the terminal, and the loss is still read."""

    def train(self, X, Y, num_epochs, learning_rate):
        os.write(2, b"fd-2 noise from the student's code\n")
        for _ in range(num_epochs):
            output = self.forward(X)
            os.write(1, f"loss: {np.mean((output - Y) ** 2):.6f}\n".encode())
            dW1, db1, dW2, db2 = self.backward(X, Y, output)
            self.W1 -= learning_rate * dW1
            self.b1 -= learning_rate * db1
            self.W2 -= learning_rate * dW2
            self.b2 -= learning_rate * db2


class RaisingProperty(NeuralNetwork):
    """Keeps W1 as ``_w1`` behind a property that raises on every read from outside the class."""

    @property
    def W1(self):
        raise RuntimeError("W1 is private")

    @W1.setter
    def W1(self, value):
        self._w1 = value

    def forward(self, X):
        self.z1 = X @ self._w1 + self.b1
        self.a1 = self.f(self.z1)
        self.z2 = self.a1 @ self.W2 + self.b2
        return self.z2

    def backward(self, X, Y, output):
        n = X.shape[0]
        d_output = 2 * (output - Y) / (n * Y.shape[1])
        d_hidden = d_output @ self.W2.T
        dz1 = d_hidden * self.df(self.z1)
        return X.T @ dz1, dz1.sum(axis=0, keepdims=True), self.a1.T @ d_output, d_output.sum(axis=0, keepdims=True)

    def train(self, X, Y, num_epochs, learning_rate):
        for _ in range(num_epochs):
            dW1, db1, dW2, db2 = self.backward(X, Y, self.forward(X))
            self._w1 = self._w1 - learning_rate * dW1
            self.b1 -= learning_rate * db1
            self.W2 -= learning_rate * dW2
            self.b2 -= learning_rate * db2


class LoopingProperty(RaisingProperty):
    """The same, but reading ``W1`` from outside never returns."""

    @property
    def W1(self):
        while True:
            pass

    @W1.setter
    def W1(self, value):
        self._w1 = value


class ComplexGradients(NeuralNetwork):
    """Right values, complex dtype: the imaginary part must not be dropped silently."""

    def backward(self, X, Y, output):
        return tuple(g.astype(np.complex128) + 1e-3j for g in super().backward(X, Y, output))


class HalfPrecisionGradients(NeuralNetwork):
    """Right formulas, float16 results: a precision problem, not a wrong backward."""

    def backward(self, X, Y, output):
        return tuple(g.astype(np.float16) for g in super().backward(X, Y, output))


class EatsMemory(NeuralNetwork):
    """Asks for 3 GiB in backward: more than the limit the test sets (1 GiB), less than the machine has, so
    only the limit stops it."""

    def backward(self, X, Y, output):
        self.buffer = np.ones((3, 2**27))
        return super().backward(X, Y, output)
