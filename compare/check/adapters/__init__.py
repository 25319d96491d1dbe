"""adapters: drive someone else's network class through one uniform interface.

Two interfaces are understood:

* **lesson** - the classic course-notebook class::

      net = Cls(input_size, hidden_size, output_size)   # attributes W1, b1, W2, b2
      s = net.forward(X)                                # (N, out)
      dW1, db1, dW2, db2 = net.backward(X, Y, s)
      net.train(X, Y, num_epochs, learning_rate)

  Weights are stored (in, out) and used as ``X @ W1 + b1``, biases as (1, n)
  rows. The adapter reads the layout from the shapes the constructor made
  ((in, out) or torch's (out, in); bias (1, n), (n,) or (n, 1)) and converts
  to and from the torch layout, so the checker always compares torch-layout
  arrays. A ``backward`` that also updates the weights (or only updates them)
  is handled: the weights are restored and the update is reported.

* **protocol** - this project's own interface (``handmade.MLP`` implements it)::

      net = Cls(sizes=(30, 16, 3), activation="relu", output_activation="identity", loss="mse")
      net.params                                  # dict, torch state_dict keys and shapes
      s = net.forward(X)                          # (N, out), caches what backward needs
      grads = net.backward(Y)                     # dict keyed like params (or an object with .params)
      net.train(X, Y, num_epochs, learning_rate)  # optional; else the checker's SGD drives it

Every call into the user's code goes through :class:`~compare.check.user_calls.UserCalls`:
exceptions (``sys.exit`` too), calls that exceed the time limit, printed output and
warnings are captured and become findings; the checker never crashes or hangs because
the code under test does.

(``base``: what every adapter offers; ``lesson`` and ``protocol``: the two interfaces.)
"""

from __future__ import annotations

from compare.check.adapters.base import Adapter, Instance, Network
from compare.check.adapters.lesson import LessonAdapter
from compare.check.adapters.protocol import ProtocolAdapter
from compare.check.loading import LoadedClass, guess_interface
from compare.check.user_calls import Outcome, UserCalls


def make_adapter(interface: str, loaded: LoadedClass, net: Network, calls: UserCalls | None = None) -> Adapter:
    """The adapter for ``interface`` ('auto' guesses); ``calls`` makes the calls (shared across dtypes)."""
    if interface == "auto":
        interface = guess_interface(loaded.cls)
    return {"lesson": LessonAdapter, "protocol": ProtocolAdapter}[interface](loaded, net, calls)


__all__ = ["Adapter", "Instance", "LessonAdapter", "Network", "Outcome", "ProtocolAdapter", "make_adapter"]
