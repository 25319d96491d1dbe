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

Both readers refuse pickled Python objects instead of unpickling them, so a
hostile file can fail to load but can never run code. Everything else that can
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
import pickle
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np

from compare.files.atomic import write_bytes
from handmade.contract.errors import InvalidInput
from handmade.contract.keys import param_shapes
from handmade.contract.spec import check_dtype

NPZ_SUFFIXES = (".npz",)
TORCH_SUFFIXES = (".pt", ".pth")
SUFFIXES = NPZ_SUFFIXES + TORCH_SUFFIXES

_KEY = re.compile(r"^layers\.(\d+)\.(weight|bias)$")


# -- public API -------------------------------------------------------------------------------
def save_weights(path: str | Path, params: dict[str, np.ndarray]) -> Path:
    """Write ``params`` to ``path`` atomically; the format follows the suffix (see module doc).

    The dict must have the state_dict layout of some network (checked, so that every
    file written here can be read back). Non-finite values are written as they are -
    the file is a faithful record of, say, a diverged run - but ``load_weights``
    refuses them as initial weights.
    """
    path = Path(path)
    kind = _kind(path)
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
    return write_bytes(path, buffer.getvalue())


def load_weights(path: str | Path, sizes=None, dtype=None) -> dict[str, np.ndarray]:
    """Read a parameter dict from ``path``, refusing anything that is not plain, finite weights.

    ``sizes`` (e.g. ``(30, 16, 3)``): the network the weights are for; keys and shapes
    must fit it exactly. Without it the layout must still be a valid chain of layers
    (``infer_sizes``). ``dtype`` ("float64"/"float32"): cast every array to it;
    ``None`` keeps float32/float64 arrays as stored (exact round trip) and reads
    other numeric types as float64. Returns contiguous arrays in layer order.
    """
    path = Path(path)
    kind = _kind(path)
    if dtype is not None:
        dtype = check_dtype(dtype)
    if not path.exists():
        raise InvalidInput(f"weight file {str(path)!r} does not exist")
    if not path.is_file():
        raise InvalidInput(f"weight file {str(path)!r} is not a regular file")
    raw = _read_npz(path) if kind == "npz" else _read_torch(path)
    where = f"weight file {str(path)!r}"
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


# -- readers ----------------------------------------------------------------------------------
def _read_npz(path: Path) -> dict:
    where = f"weight file {str(path)!r}"
    # Look at the magic bytes first: np.load would treat anything that is neither a zip
    # nor an .npy file as a pickle, so the message would blame pickles for plain junk.
    magic = _magic(path, where)
    if magic.startswith(b"\x93NUMPY"):
        raise InvalidInput(f"{where} is a single .npy array, not an .npz archive of named arrays")
    if magic[:1] == b"\x80":
        raise InvalidInput(f"{where} is a Python pickle, not an .npz archive; refused (nothing was unpickled)")
    if not magic.startswith(b"PK"):
        raise InvalidInput(f"{where} is not an .npz archive (an .npz file is a zip of .npy arrays)"
                           + ("; the file is empty" if not magic else ""))
    try:
        # Our own handle: np.load leaks the one it opens when the zip directory is corrupt.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:
            strays = [name for name in archive.zip.namelist() if not name.endswith(".npy")]
            if strays:
                hint = " (a torch file? name it .pt)" if any(n.endswith(".pkl") for n in strays) else ""
                raise InvalidInput(f"{where} is a zip archive but not an .npz of arrays: member {strays[0]!r} "
                                   f"is not a .npy array{hint}")
            # Read every member here, inside the try: a pickled member fails now, not later.
            return {name: archive[name] for name in archive.files}
    except InvalidInput:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise InvalidInput(f"{where} holds pickled Python objects; refused (read with allow_pickle=False, "
                               "nothing was executed)") from None
        raise InvalidInput(f"{where} is not a readable .npz archive: {_one_line(exc)}") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, UnicodeError) as exc:
        raise InvalidInput(f"{where} is not a readable .npz archive: {type(exc).__name__}: {_one_line(exc)}") from None


def _read_torch(path: Path) -> dict:
    import torch  # only for the .pt format: .npz files and --help must not wait for torch

    where = f"weight file {str(path)!r}"
    magic = _magic(path, where)
    if not (magic.startswith(b"PK") or magic[:1] == b"\x80"):
        # torch.save writes a zip archive (or, in the legacy format, starts with a pickle opcode).
        raise InvalidInput(f"{where} is not a torch file (torch.save writes a zip archive)"
                           + ("; the file is empty" if not magic else ""))
    try:
        with warnings.catch_warnings():
            # torch warns about unusual pickle protocols before refusing them; the refusal is the message.
            warnings.simplefilter("ignore")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if _looks_like_pickle_refusal(exc):
            raise InvalidInput(f"{where} holds pickled Python objects other than tensors; refused (read with "
                               "weights_only=True, nothing was executed); save model.state_dict() instead") from None
        raise InvalidInput(f"{where} is not a readable torch file: {_one_line(exc)}") from None
    except Exception as exc:  # torch reports a corrupt file as RuntimeError, EOFError, ValueError, ...
        raise InvalidInput(f"{where} is not a readable torch file: {type(exc).__name__}: {_one_line(exc)}") from None
    if not isinstance(obj, dict):
        raise InvalidInput(f"{where} holds a {type(obj).__name__}, not a state_dict (a dict of tensors)")
    out = {}
    for key, value in obj.items():
        if not isinstance(value, torch.Tensor):
            nested = " (a nested dict: save the model's state_dict itself)" if isinstance(value, dict) else ""
            raise InvalidInput(f"{where}: entry {key!r} is a {type(value).__name__}, not a tensor{nested}")
        if value.is_complex() or value.dtype == torch.bool:
            raise InvalidInput(f"{where}: {key} has non-real dtype {value.dtype}")
        if value.dtype == torch.bfloat16:  # numpy has no bfloat16; float32 holds it exactly
            value = value.float()
        out[key] = value.detach().cpu().numpy()
    return out


def _magic(path: Path, where: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(6)
    except OSError as exc:
        raise InvalidInput(f"{where} cannot be read: {exc.strerror or _one_line(exc)}") from None


def _looks_like_pickle_refusal(exc: Exception) -> bool:
    text = str(exc)
    return "weights_only" in text or "Unsupported global" in text or "Unsupported operand" in text


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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")
