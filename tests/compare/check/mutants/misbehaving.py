"""Networks that misbehave rather than compute wrongly: they hang, exit, interrupt, chatter or return NaN.

Each is the correct network of ``correct.py`` with one method replaced. The checker must
turn each behaviour into a finding (exit code 1, or a pass for the chatty one), never crash
or hang - except ``KeyboardInterrupt``, which must still stop the tool.
"""

import importlib.util
import sys
import time
from pathlib import Path

import numpy as np


def _correct_network() -> type:
    spec = importlib.util.spec_from_file_location("_misbehaving_correct", Path(__file__).with_name("correct.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NeuralNetwork


NeuralNetwork = _correct_network()

# "Forever" for a check run with a time limit of a fraction of a second; finite, so that a
# broken time limit fails its test (too slow, wrong findings) instead of hanging the suite.
FOREVER = 30.0


def spin(seconds: float = FOREVER) -> None:
    """A busy pure-Python loop: interruptible only between bytecodes, like a real endless loop."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


class HangingForward(NeuralNetwork):
    def forward(self, X):
        spin()
        return super().forward(X)


class HangingTrain(NeuralNetwork):
    """Trains "until converged" - which, with a fixed learning rate and a loss floor above 0, is never."""

    def train(self, X, Y, num_epochs, learning_rate):
        end = time.monotonic() + FOREVER
        while time.monotonic() < end:
            try:
                super().train(X, Y, 1, learning_rate)
            except Exception:  # a broad handler must not swallow the time limit
                pass


class ExitingTrain(NeuralNetwork):
    def train(self, X, Y, num_epochs, learning_rate):
        sys.exit(3)


class InterruptedForward(NeuralNetwork):
    def forward(self, X):
        raise KeyboardInterrupt


class ChattyTrain(NeuralNetwork):
    """Correct, but prints ~1.3 MB per train call and returns nothing: the loss is read from the printout."""

    def train(self, X, Y, num_epochs, learning_rate):
        super().train(X, Y, num_epochs, learning_rate)  # prints "Epoch 0, loss 0.xxxx" first
        for i in range(40_000):
            print(f"debug: step {i:6d} still training")


class NaNGradients(NeuralNetwork):
    def backward(self, X, Y, output):
        return tuple(np.full_like(g, np.nan) for g in super().backward(X, Y, output))
