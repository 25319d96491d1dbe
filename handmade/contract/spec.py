"""The network spec and data validation shared by both implementations.

One :class:`MLPSpec` (layer sizes, activations, loss, initialiser, seed, dtype)
produces one set of initial parameters (``spec.init_params()``); the handmade
``MLP`` and the torch ``TorchMLP`` are both built from those same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..activations import Activation
from ..init import Initialiser, init_params
from ..losses import LOSSES, canonical_loss, get_loss
from .errors import InvalidInput, unknown_name
from .keys import param_shapes

DTYPES = ("float64", "float32")


def check_dtype(dtype) -> str:
    """Return the dtype's name, refusing anything but float64/float32."""
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in DTYPES:
        raise unknown_name("dtype", name, DTYPES)
    return name


def check_output(activation: str, output_activation: str, loss: str) -> None:
    """Refuse an output layer the loss cannot be paired with (see ``handmade.losses``).

    A loss with a link (ce: softmax, bce: sigmoid) takes the logits: the output activation is the
    link or identity. Softmax is only ever that link, never a hidden activation.
    """
    link = get_loss(loss).link
    if not Activation(activation).elementwise:
        raise InvalidInput(f"{activation} is not element-wise: it can only be the output activation (with the ce "
                           "loss), not the hidden one")
    output = Activation(output_activation)
    if link is not None and output.name not in (link, "identity"):
        raise InvalidInput(f"the {loss} loss includes the {link} (it takes the logits): the output activation must "
                           f"be {link} (the network returns probabilities) or identity (it returns the logits), "
                           f"not {output_activation}")
    if not output.elementwise and link != output.name:
        users = sorted(name for name, entry in LOSSES.items() if entry.link == output.name)
        raise InvalidInput(f"a {output.name} output goes with the {' or '.join(users)} loss (which differentiates "
                           f"through it), not {loss}")


@dataclass(frozen=True)
class MLPSpec:
    """What fixes a network: ``sizes=(30, 16, 3)`` is input 30, hidden 16, output 3."""

    sizes: tuple[int, ...] = (30, 16, 3)
    activation: str = "relu"
    output_activation: str = "identity"
    loss: str = "mse"
    init: str = "torch_default"
    seed: int = 0
    dtype: str = "float64"
    bias: bool = True  # False: a network without biases (z = a W^T)

    def __post_init__(self):
        sizes = tuple(self.sizes)
        if len(sizes) < 2:
            raise InvalidInput(f"sizes needs an input and an output size, got {list(sizes)}")
        for n in sizes:
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise InvalidInput(f"layer sizes must be positive integers, got {list(sizes)}")
        if not isinstance(self.bias, (bool, np.bool_)):
            raise InvalidInput(f"bias must be True or False, got {self.bias!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise InvalidInput(f"seed must be a non-negative integer, got {self.seed!r}")
        object.__setattr__(self, "sizes", tuple(int(n) for n in sizes))
        # Canonical spellings, so equal specs compare and print equal.
        object.__setattr__(self, "activation", Activation(self.activation).spec)
        object.__setattr__(self, "output_activation", Activation(self.output_activation).spec)
        object.__setattr__(self, "init", Initialiser(self.init).spec)
        object.__setattr__(self, "loss", canonical_loss(self.loss))
        object.__setattr__(self, "dtype", check_dtype(self.dtype))
        check_output(self.activation, self.output_activation, self.loss)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def init_params(self) -> dict[str, np.ndarray]:
        """The shared initial parameters (torch ``state_dict`` keys and shapes)."""
        return init_params(self.sizes, self.init, self.seed, self.dtype, self.bias)

    def replace(self, **changes) -> MLPSpec:
        return MLPSpec(**{**asdict(self), **changes})

    def to_dict(self) -> dict:
        return {**asdict(self), "sizes": list(self.sizes)}

    def label(self) -> str:
        return (f"{'-'.join(map(str, self.sizes))} {self.activation}/{self.output_activation} "
                f"{self.loss} init={self.init} seed={self.seed} {self.dtype}{'' if self.bias else ' no bias'}")


def check_params(params, sizes, dtype=None, bias: bool = True) -> dict[str, np.ndarray]:
    """Validate a parameter dict against layer sizes (and biases or none); return float arrays of ``dtype``."""
    if not isinstance(params, dict):
        raise TypeError(f"parameters must be a dict of arrays, got {type(params).__name__}")
    expected = param_shapes(sizes, bias)
    missing = sorted(set(expected) - set(params))
    extra = sorted(set(params) - set(expected))
    if missing or extra:
        raise InvalidInput(
            f"parameters do not fit a {'-'.join(map(str, sizes))} network: "
            f"missing {missing or 'none'}, unexpected {extra or 'none'}"
        )
    out = {}
    for key, shape in expected.items():
        arr = np.asarray(params[key])
        if arr.shape != shape:
            raise InvalidInput(f"parameter {key} has shape {arr.shape}, expected {shape}")
        if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
            raise InvalidInput(f"parameter {key} has non-real dtype {arr.dtype}")
        if not np.all(np.isfinite(arr)):
            raise InvalidInput(f"parameter {key} contains NaN or inf")
        out[key] = np.ascontiguousarray(arr, dtype=dtype or (arr.dtype if arr.dtype.kind == "f" else "float64"))
    return out


# What the networks trained side by side (K stacked members) must share: everything but init and seed.
SHARED_FIELDS = ("sizes", "activation", "output_activation", "loss", "dtype")


def members(specs, params_list=None) -> tuple[MLPSpec, list[dict[str, np.ndarray]]]:
    """The spec K stacked networks share, and each member's initial parameters (validated, in its dtype).

    ``params_list`` (one dict per spec, torch layout) overrides the specs' own initial parameters.
    Both sides' batched models start from these numbers; each stacks them in its own way.
    """
    specs = list(specs)
    if not specs:
        raise InvalidInput("batched training needs at least one network spec")
    first = specs[0]
    if not all(spec.bias for spec in specs):
        raise InvalidInput("batched training keeps each layer's bias beside its weights: every network needs biases")
    for spec in specs[1:]:
        for name in SHARED_FIELDS:
            if getattr(spec, name) != getattr(first, name):
                raise InvalidInput(
                    f"batched networks must share {', '.join(SHARED_FIELDS)}; {name} differs: "
                    f"{getattr(first, name)!r} vs {getattr(spec, name)!r} (seed and init may differ)"
                )
    if params_list is None:
        return first, [spec.init_params() for spec in specs]
    if len(params_list) != len(specs):
        raise InvalidInput(f"got {len(params_list)} parameter dicts for {len(specs)} specs")
    return first, [check_params(p, first.sizes, first.dtype) for p in params_list]


def check_data(X, Y=None, sizes=None, dtype="float64"):
    """Validate a batch: X (N, n_in) and Y (N, n_out), finite, rows matching.

    Returns contiguous arrays of ``dtype``. The lesson's pitfall - three 5x6
    letters stacked as 15 samples of 6 features against 3 targets - is caught
    here with a message that says what it looks like.
    """
    X = as_matrix(X, "X", dtype)
    if sizes is not None and X.shape[1] != sizes[0]:
        hint = ""
        if sizes[0] % X.shape[1] == 0 and X.shape[0] % (sizes[0] // X.shape[1]) == 0:
            k = sizes[0] // X.shape[1]
            hint = (f" (it looks like {X.shape[0] // k} samples of {sizes[0]} split into rows: "
                    f"flatten each sample to one row of {sizes[0]})")
        raise InvalidInput(
            f"X has {X.shape[1]} features per row but the network's input size is {sizes[0]}{hint}"
        )
    if Y is None:
        return X
    Y = as_matrix(Y, "Y", dtype)
    if X.shape[0] != Y.shape[0]:
        raise InvalidInput(
            f"X has {X.shape[0]} rows but Y has {Y.shape[0]}: each sample needs one target row"
        )
    if sizes is not None and Y.shape[1] != sizes[-1]:
        raise InvalidInput(
            f"Y has {Y.shape[1]} columns but the network's output size is {sizes[-1]}"
        )
    return X, Y


def as_matrix(a, name: str, dtype) -> np.ndarray:
    """``a`` as a finite, contiguous 2-D array of ``dtype``, or an error naming ``name``."""
    try:
        arr = np.asarray(a)
    except Exception as exc:  # ragged lists and the like
        raise InvalidInput(f"{name} is not an array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InvalidInput(f"{name} must hold numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise InvalidInput(f"{name} must be real, got dtype {arr.dtype}")
    if arr.ndim == 1:
        raise InvalidInput(
            f"{name} is 1-D with shape {arr.shape}; pass a 2-D array (samples, features), "
            f"e.g. {name}.reshape(1, -1) for one sample"
        )
    if arr.ndim != 2:
        raise InvalidInput(f"{name} must be 2-D (samples, features), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InvalidInput(f"{name} is empty, shape {arr.shape}")
    with np.errstate(over="ignore", invalid="ignore"):  # the finiteness check reports it
        arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InvalidInput(
            f"{name} contains NaN or inf (or a value too large for {dtype}), "
            f"first at row {bad[0]}, column {bad[1]}"
        )
    return arr
