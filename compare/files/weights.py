"""Weight files: save and load a parameter dict as ``.npz`` or as a torch ``state_dict`` file.

A parameter dict is the one the whole project passes around: ``layers.{i}.weight``
of shape (n_{i+1}, n_i) and ``layers.{i}.bias`` of shape (n_{i+1},), exactly the
keys and shapes of ``torch_ref.TorchMLP(...).state_dict()``. So a ``.pt`` file
written here loads into a torch model with ``load_state_dict``, and a
``state_dict`` saved by torch (``torch.save(model.state_dict(), "w.pt")``) of the
same layout loads here.

========  ==========================================  ==============================
suffix    written with                                read with
========  ==========================================  ==============================
.npz      ``np.savez`` (one array per key)            ``np.load(allow_pickle=False)``
.pt/.pth  ``torch.save`` of a dict of tensors         ``torch.load(weights_only=True)``
========  ==========================================  ==============================

Both readers (``compare.files.archives``) refuse pickled Python objects
instead of unpickling them, so a hostile file can fail to load but can never run
code, and check every size a file declares before allocating it (at most 256 MiB
of weights: a forged header or a zip bomb costs milliseconds). Everything else that can
be wrong with a file - unreadable, corrupt, keys missing or extra, shapes that
do not chain or do not fit ``sizes``, non-numeric or non-finite values - is an
``InvalidInput`` naming the file and the problem, which the CLI prints as one
line (exit code 2).

Round trips are exact: an array is written in its own dtype and read back in it
(float32 stays float32, bit for bit) unless ``dtype`` asks for a cast. torch is
imported only for the torch formats.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from compare.files.archives import MAX_WEIGHT_BYTES, read_npz, read_torch
from compare.files.atomic import OutputSet, write_bytes
from handmade.contract.errors import InvalidInput
from handmade.contract.keys import param_shapes
from handmade.contract.spec import check_dtype

NPZ_SUFFIXES = (".npz",)
TORCH_SUFFIXES = (".pt", ".pth")
SUFFIXES = NPZ_SUFFIXES + TORCH_SUFFIXES

_KEY = re.compile(r"^layers\.(\d+)\.(weight|bias)$")


# -- public API -------------------------------------------------------------------------------
def save_weights(path: str | Path, params: dict[str, np.ndarray], outputs: OutputSet | None = None) -> Path:
    """Write ``params`` to ``path`` atomically; the format follows the suffix (see module doc).

    The dict must have the state_dict layout of some network (checked, so that every
    file written here can be read back). Non-finite values are written as they are -
    the file is a faithful record of, say, a diverged run - but ``load_weights``
    refuses them as initial weights. ``outputs``: stage the file in that set of
    outputs (written with the others or not at all) instead of writing it now.
    """
    kind = _kind(Path(path))
    arrays = {key: _numeric_array(value, key, where="cannot save weights") for key, value in _as_dict(params).items()}
    _infer_sizes(arrays, where="cannot save weights")
    buffer = io.BytesIO()
    if kind == "npz":
        # allow_pickle=False: an object array would be pickled into the file; refuse instead.
        np.savez(buffer, allow_pickle=False, **arrays)
    else:
        import torch  # only for the .pt format: .npz files and --help must not wait for torch

        # A copy: torch.from_numpy on a read-only array warns, and shares memory otherwise.
        torch.save({key: torch.from_numpy(np.array(value, copy=True)) for key, value in arrays.items()}, buffer)
    if outputs is not None:
        return outputs.write_bytes(path, buffer.getvalue())
    return write_bytes(path, buffer.getvalue())


def check_weights_path(path: str | Path) -> None:
    """Refuse a weight file name whose format is unknown (before a run that would end by writing it)."""
    _kind(Path(path))


def load_weights(path: str | Path, sizes=None, dtype=None, max_bytes: int = MAX_WEIGHT_BYTES) -> dict[str, np.ndarray]:
    """Read a parameter dict from ``path``, refusing anything that is not plain, finite weights.

    ``sizes`` (e.g. ``(30, 16, 3)``): the network the weights are for; keys and shapes
    must fit it exactly. Without it the layout must still be a valid chain of layers
    (``infer_sizes``). ``dtype`` ("float64"/"float32"): cast every array to it;
    ``None`` keeps float32/float64 arrays as stored (exact round trip) and reads
    other numeric types as float64. Returns contiguous arrays in layer order.
    ``max_bytes``: the most array data a file may hold or declare (256 MiB by default;
    see ``compare.files.archives``, which reads the two formats).
    """
    path = Path(path)
    kind = _kind(path)
    if dtype is not None:
        dtype = check_dtype(dtype)
    if not path.exists():
        raise InvalidInput(f"weight file {str(path)!r} does not exist")
    if not path.is_file():
        raise InvalidInput(f"weight file {str(path)!r} is not a regular file")
    where = f"weight file {str(path)!r}"
    raw = read_npz(path, where, max_bytes) if kind == "npz" else read_torch(path, where, max_bytes)
    arrays = {key: _numeric_array(value, key, where=where) for key, value in raw.items()}
    found = _infer_sizes(arrays, where=where)
    if sizes is not None:
        sizes = tuple(int(n) for n in sizes)
        if found != sizes:
            _explain_mismatch(arrays, sizes, found, where)
    out = {}
    for key in param_shapes(found):
        arr = arrays[key]
        if not np.all(np.isfinite(arr)):
            count = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
            raise InvalidInput(f"{where}: {key} contains {count} NaN or inf value(s); initial weights must be finite")
        target = dtype or (arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64)
        out[key] = np.ascontiguousarray(arr, dtype=target)
    return out


def infer_sizes(params: dict[str, np.ndarray]) -> tuple[int, ...]:
    """The layer sizes ``(n_0, ..., n_L)`` a parameter dict describes, or InvalidInput."""
    return _infer_sizes({k: np.asarray(v) for k, v in _as_dict(params).items()}, where="parameters")


# -- validation -------------------------------------------------------------------------------
def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in NPZ_SUFFIXES:
        return "npz"
    if suffix in TORCH_SUFFIXES:
        return "torch"
    shown = f"suffix {suffix!r}" if suffix else "no suffix"
    raise InvalidInput(f"weight file {str(path)!r} has {shown}; supported formats are: {', '.join(SUFFIXES)}")


def _as_dict(params) -> dict:
    if not isinstance(params, dict):
        raise InvalidInput(f"parameters must be a dict of arrays, got {type(params).__name__}")
    for key in params:
        if not isinstance(key, str):
            raise InvalidInput(f"parameter names must be strings, got {key!r}")
    return params


def _numeric_array(value, key: str, where: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise InvalidInput(f"{where}: {key} has non-numeric dtype {arr.dtype}; weights must be real numbers")
    return arr


def _infer_sizes(arrays: dict[str, np.ndarray], where: str) -> tuple[int, ...]:
    """Check the keys are layers.0..L-1 weight+bias with shapes that chain; return the sizes."""
    if not arrays:
        raise InvalidInput(f"{where}: no parameters at all (expected layers.0.weight, layers.0.bias, ...)")
    unexpected = sorted(key for key in arrays if not _KEY.match(key))
    if unexpected:
        raise InvalidInput(f"{where}: unexpected keys {unexpected}; expected only layers.<i>.weight and "
                           "layers.<i>.bias (the TorchMLP state_dict layout)")
    n_layers = 1 + max(int(_KEY.match(key).group(1)) for key in arrays)
    expected = [f"layers.{i}.{part}" for i in range(n_layers) for part in ("weight", "bias")]
    missing = [key for key in expected if key not in arrays]
    if missing:
        raise InvalidInput(f"{where}: missing keys {missing} (a {n_layers}-layer network needs {len(expected)})")
    sizes = []
    for i in range(n_layers):
        weight, bias = arrays[f"layers.{i}.weight"], arrays[f"layers.{i}.bias"]
        if weight.ndim != 2 or min(weight.shape) < 1:
            raise InvalidInput(f"{where}: layers.{i}.weight has shape {weight.shape}, expected (out, in) with "
                               "both at least 1")
        n_out, n_in = weight.shape
        if bias.shape != (n_out,):
            raise InvalidInput(f"{where}: layers.{i}.bias has shape {bias.shape}, expected ({n_out},) to match "
                               f"layers.{i}.weight {weight.shape}")
        if i == 0:
            sizes.append(n_in)
        elif n_in != sizes[-1]:
            raise InvalidInput(f"{where}: layers.{i}.weight has shape {weight.shape} but layer {i - 1} outputs "
                               f"{sizes[-1]} features; expected ({n_out}, {sizes[-1]})")
        sizes.append(n_out)
    return tuple(sizes)


def _explain_mismatch(arrays, sizes, found, where) -> None:
    expected = param_shapes(sizes)
    missing = [key for key in expected if key not in arrays]
    extra = [key for key in arrays if key not in expected]
    label = "-".join(map(str, sizes))
    if missing or extra:
        raise InvalidInput(f"{where} holds a {'-'.join(map(str, found))} network, not {label}: "
                           f"missing {missing or 'none'}, unexpected {extra or 'none'}")
    for key, shape in expected.items():
        if arrays[key].shape != shape:
            raise InvalidInput(f"{where}: {key} has shape {arrays[key].shape}, expected {shape} for a {label} "
                               "network")
    raise InvalidInput(f"{where} holds a {'-'.join(map(str, found))} network, not {label}")  # pragma: no cover
