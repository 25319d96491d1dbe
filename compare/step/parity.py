"""One-step parity: the same batch through both networks, every tensor compared.

``compare_step(spec, X, Y)`` builds ``handmade.MLP`` and ``torch_ref.TorchMLP``
from the same initial parameters, runs forward, loss and backward on each, and
returns a record per tensor, in the order the data flows:

    forward   z[0], a[0], ..., z[L-1], output, loss
    backward  grad output (dL/ds), then per layer from the output back:
              grad z[l], grad layers.l.weight, grad layers.l.bias, grad a[l-1],
              and finally grad input (dL/dX)

Walking the backward records in that order, the first failure is the place
where the two implementations part; later ones usually follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compare.measure.records import Record, compare_arrays, summarize
from compare.measure.tolerance import tolerance_for
from handmade.contract.spec import MLPSpec, check_data
from handmade.losses import get_loss
from handmade.model import MLP
from torch_ref.losses import torch_loss
from torch_ref.model import TorchMLP


@dataclass
class StepComparison:
    spec: MLPSpec
    records: list[Record]
    loss: float = float("nan")

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.records if r.counted)

    @property
    def first_failure(self) -> Record | None:
        """The first failing record in data-flow order (forward, then backward from the output)."""
        return next((r for r in self.records if r.counted and not r.passed), None)

    def summary(self) -> dict:
        return summarize(self.records)


def torch_step(spec: MLPSpec, params: dict, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """Forward and backward in torch; every tensor the records need, as numpy arrays."""
    model = TorchMLP(spec, params)
    x = model.tensor(X).requires_grad_(True)
    y = model.tensor(Y)
    logits, out = model.logits_and_output(x, keep=True)
    loss = torch_loss(spec.loss, out, y, logits=logits)
    loss.backward()
    got = {"output": out, "loss": loss, "grad input": x.grad}
    for l, (z, a) in enumerate(model.kept):
        got[f"z[{l}]"], got[f"a[{l}]"] = z, a
        got[f"grad z[{l}]"], got[f"grad a[{l}]"] = z.grad, a.grad
    for name, p in model.named_parameters():
        got[f"grad {name}"] = p.grad
    return {k: v.detach().numpy() for k, v in got.items() if v is not None}


def handmade_step(spec: MLPSpec, params: dict, X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """The same tensors from the handmade model."""
    net = MLP(spec, {k: v.copy() for k, v in params.items()})
    out = net.forward(X)
    loss = net.loss(Y)
    grads = net.backward(Y)
    zs, acts = net.intermediates
    got = {"output": out, "loss": np.asarray(loss), "grad input": grads.input}
    for l in range(spec.n_layers):
        got[f"z[{l}]"], got[f"a[{l}]"] = zs[l], acts[l]
        got[f"grad z[{l}]"], got[f"grad a[{l}]"] = grads.z[l], grads.a[l]
    for key, g in grads.params.items():
        got[f"grad {key}"] = g
    return got


def record_order(n_layers: int, bias: bool = True, output_grad: bool = True) -> list[tuple[str, str, int | None]]:
    """(name, kind, layer) in data-flow order; see the module docstring (no bias records without biases; no
    dL/ds without ``output_grad``: a loss with a link differentiates the logits, and neither side forms it)."""
    order = []
    for l in range(n_layers - 1):
        order += [(f"z[{l}]", "forward", l), (f"a[{l}]", "forward", l)]
    order += [(f"z[{n_layers - 1}]", "forward", n_layers - 1), ("output", "forward", n_layers - 1),
              ("loss", "loss", None)]
    if output_grad:
        order.append((f"grad a[{n_layers - 1}]", "intermediate", n_layers - 1))
    for l in range(n_layers - 1, -1, -1):
        order += [(f"grad z[{l}]", "intermediate", l), (f"grad layers.{l}.weight", "param_grad", l)]
        if bias:
            order.append((f"grad layers.{l}.bias", "param_grad", l))
        if l > 0:
            order.append((f"grad a[{l - 1}]", "intermediate", l - 1))
    order.append(("grad input", "input_grad", None))
    return order


def compare_step(spec: MLPSpec, X, Y, params: dict | None = None) -> StepComparison:
    """Run both implementations on (X, Y) from the same parameters and compare every tensor.

    ``params`` defaults to ``spec.init_params()``. Shapes: X (N, sizes[0]), Y (N, sizes[-1]).
    """
    X, Y = check_data(X, Y, spec.sizes, spec.dtype)
    params = spec.init_params() if params is None else params
    # Huge weights can overflow on both sides; the records report non-finite values as data.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        mine = handmade_step(spec, params, X, Y)
    ref = torch_step(spec, params, X, Y)
    tol = tolerance_for(spec.dtype).step
    records = []
    for name, kind, layer in record_order(spec.n_layers, spec.bias, get_loss(spec.loss).link is None):
        label = "grad output (dL/ds)" if name == f"grad a[{spec.n_layers - 1}]" else name
        records.append(compare_arrays(label, mine[name], ref[name], tol, kind=kind, layer=layer))
    return StepComparison(spec=spec, records=records, loss=float(mine["loss"]))
