"""Reading zip archives without trusting them: ``.npz`` (weights, data) and torch ``.pt``/``.pth``.

A weight or data file comes from anywhere, so reading one must cost no more than
the arrays it can honestly hold, and must never run code:

* **Nothing is unpickled.** ``.npz`` members are read with ``allow_pickle=False``;
  torch files with ``weights_only=True``. A raw pickle, or a torch file in the
  legacy (torch < 1.6, not a zip) format, is refused before any unpickler sees
  it: the legacy loader allocates every storage at the size the file declares,
  before reading a byte of it.
* **Nothing is allocated on the file's word.** Both formats are zip archives
  whose directory states every member's uncompressed size, and an ``.npy`` header
  states its array's shape. Before anything is decompressed: the declared sizes
  together stay within the caller's limit (``MAX_WEIGHT_BYTES``,
  ``MAX_DATA_BYTES``), and every ``.npy`` header's
  ``prod(shape) * itemsize`` equals the bytes its member holds. A 5 KB file that
  declares a (100000, 100000) array, or a 1 MB deflate bomb that unpacks to
  1 GB, is refused in milliseconds. (The zip reader stops at the declared size,
  so a directory that understates it ends in a CRC error, not in memory.)
* **Only plain tensors.** After ``torch.load``: every entry must be a dense
  (strided) CPU tensor of a real number type, and their elements together within
  ``MAX_WEIGHT_BYTES`` (a stride-0 view - one stored float "expanded" to 10^9 -
  is tiny in the file and 8 GB once copied). Sparse, meta, quantized and float8
  tensors are refused with a line that says what they are.

Every refusal is an ``InvalidInput`` naming the file (``where``: "weight file 'w.npz'").
"""

from __future__ import annotations

import math
import pickle
import warnings
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from handmade.contract.errors import InvalidInput

# Why 256 MiB: the largest network this project runs (784-1024-1024-10) is 15 MB in float64;
# 32 M float64 parameters is far beyond any network the harness compares step by step, and
# small enough that a hostile file cannot take the machine's memory. load_weights(max_bytes=...)
# raises it for a caller who means it. Limits count the arrays' bytes (the zip's declared contents).
MAX_WEIGHT_BYTES = 256 * 2**20
# Data (X and Y of an .npz data file) is bigger: MNIST's 70000 x 784 inputs are 439 MB in float64.
MAX_DATA_BYTES = 2 * 2**30
# A network of L layers has 2 L tensors; a torch file adds a handful of records.
MAX_MEMBERS = 4096


def read_npz(path: Path, where: str, max_bytes: int) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive, every size checked before it is read (see module doc)."""
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
        with open(path, "rb") as handle:
            _check_npz_members(handle, where, max_bytes)
            handle.seek(0)
            with np.load(handle, allow_pickle=False) as archive:
                # Read every member here, inside the try: a pickled member fails now, not later.
                return {name: archive[name] for name in archive.files}
    except InvalidInput:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise InvalidInput(f"{where} holds pickled Python objects; refused (read with allow_pickle=False, "
                               "nothing was executed)") from None
        raise InvalidInput(f"{where} is not a readable .npz archive: {one_line(exc)}") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, UnicodeError) as exc:
        raise InvalidInput(f"{where} is not a readable .npz archive: {type(exc).__name__}: {one_line(exc)}") from None


def _check_npz_members(handle, where: str, max_bytes: int) -> None:
    """Every member a ``.npy`` whose header states exactly the bytes it holds, all within ``max_bytes``."""
    with zipfile.ZipFile(handle) as archive:
        members = _zip_members(archive, where, max_bytes)
        strays = [info.filename for info in members if not info.filename.endswith(".npy")]
        if strays:
            hint = " (a torch file? name it .pt)" if any(n.endswith(".pkl") for n in strays) else ""
            raise InvalidInput(f"{where} is a zip archive but not an .npz of arrays: member {strays[0]!r} "
                               f"is not a .npy array{hint}")
        for info in members:
            with archive.open(info) as member:
                shape, dtype, header = _npy_header(member, where, info.filename)
            if dtype.hasobject:
                continue  # np.load(allow_pickle=False) refuses it, with the message about pickles
            declared = math.prod(shape) * dtype.itemsize
            name = info.filename[:-len(".npy")]
            if declared > max_bytes:
                raise InvalidInput(f"{where}: {name} declares shape {shape} {dtype} = {_size(declared)}, more than "
                                   f"the {_size(max_bytes)} limit")
            if header + declared != info.file_size:
                raise InvalidInput(f"{where}: {name} declares shape {shape} {dtype} ({_size(declared)}) but holds "
                                   f"{_size(info.file_size - header)} of data; the file is damaged or forged")


def _npy_header(member, where: str, name: str) -> tuple[tuple, np.dtype, int]:
    """(shape, dtype, header length) of an ``.npy`` member, read from its header alone."""
    try:
        version = npy_format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = npy_format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = npy_format.read_array_header_2_0(member)
        else:  # 3.0 exists only for structured dtypes with non-latin-1 field names
            raise InvalidInput(f"{where}: member {name!r} is .npy format {version}, not a plain numeric array")
    except InvalidInput:
        raise
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as exc:
        raise InvalidInput(f"{where}: member {name!r} is not a readable .npy array: {one_line(exc)}") from None
    return tuple(shape), dtype, member.tell()


def read_torch(path: Path, where: str, max_bytes: int) -> dict[str, np.ndarray]:
    """The tensors of a torch ``state_dict`` file, as numpy arrays (see module doc for what is refused)."""
    import torch  # only for the .pt format: .npz files and --help must not wait for torch

    magic = _magic(path, where)
    if magic[:1] == b"\x80":
        raise InvalidInput(f"{where} is a raw Python pickle or a legacy (torch < 1.6) file, not a zip archive; "
                           "refused (nothing was unpickled): save it again with a current torch.save")
    if not magic.startswith(b"PK"):
        raise InvalidInput(f"{where} is not a torch file (torch.save writes a zip archive)"
                           + ("; the file is empty" if not magic else ""))
    try:
        with zipfile.ZipFile(path) as archive:
            _zip_members(archive, where, max_bytes)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"{where} is not a readable torch file: {one_line(exc)}") from None
    try:
        with warnings.catch_warnings():
            # torch warns about unusual pickle protocols before refusing them; the refusal is the message.
            warnings.simplefilter("ignore")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if _looks_like_pickle_refusal(exc):
            raise InvalidInput(f"{where} holds pickled Python objects other than tensors; refused (read with "
                               "weights_only=True, nothing was executed); save model.state_dict() instead") from None
        raise InvalidInput(f"{where} is not a readable torch file: {one_line(exc)}") from None
    except Exception as exc:  # torch reports a corrupt file as RuntimeError, EOFError, ValueError, ...
        raise InvalidInput(f"{where} is not a readable torch file: {type(exc).__name__}: {one_line(exc)}") from None
    if not isinstance(obj, dict):
        raise InvalidInput(f"{where} holds a {type(obj).__name__}, not a state_dict (a dict of tensors)")
    for key, value in obj.items():
        _check_tensor(torch, where, key, value)
    total = sum(value.numel() * value.element_size() for value in obj.values())
    if total > max_bytes:
        raise InvalidInput(f"{where}: its tensors hold {_size(total)} of elements, more than the {_size(max_bytes)} "
                           "limit")
    return {key: _to_numpy(torch, where, key, value) for key, value in obj.items()}


def _check_tensor(torch, where: str, key, value) -> None:
    """A dense CPU tensor of real numbers, or InvalidInput saying what it is instead."""
    if not isinstance(value, torch.Tensor):
        nested = " (a nested dict: save the model's state_dict itself)" if isinstance(value, dict) else ""
        raise InvalidInput(f"{where}: entry {key!r} is a {type(value).__name__}, not a tensor{nested}")
    if value.layout != torch.strided:
        raise InvalidInput(f"{where}: {key} is a sparse tensor ({value.layout}); save dense tensors "
                           "(tensor.to_dense())")
    if value.device.type != "cpu":
        raise InvalidInput(f"{where}: {key} is a {value.device.type} tensor: it has a shape and no values to read")
    if value.is_complex() or value.is_quantized or value.dtype == torch.bool:
        raise InvalidInput(f"{where}: {key} has non-real dtype {value.dtype}")


def _to_numpy(torch, where: str, key: str, value) -> np.ndarray:
    if value.dtype == torch.bfloat16:  # numpy has no bfloat16; float32 holds it exactly
        value = value.float()
    try:
        return value.detach().numpy()
    except (TypeError, RuntimeError) as exc:  # float8, unsigned 16/32/64-bit in older numpy bridges, ...
        raise InvalidInput(f"{where}: {key} has dtype {value.dtype}, which numpy cannot hold: "
                           f"{one_line(exc)}") from None


def _zip_members(archive: zipfile.ZipFile, where: str, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The archive's members, refused if there are too many or they declare too many bytes in all."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(f"{where} has {len(members)} members, more than any weight file needs ({MAX_MEMBERS})")
    declared = sum(info.file_size for info in members)
    if declared > max_bytes + 2**20:  # + 1 MiB for headers, the pickle and torch's small records
        packed = sum(info.compress_size for info in members)
        raise InvalidInput(f"{where} unpacks to {_size(declared)} (from {_size(packed)}), more than the "
                           f"{_size(max_bytes)} limit")
    return members


def _magic(path: Path, where: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(6)
    except OSError as exc:
        raise InvalidInput(f"{where} cannot be read: {exc.strerror or one_line(exc)}") from None


def _looks_like_pickle_refusal(exc: Exception) -> bool:
    text = str(exc)
    return "weights_only" in text or "Unsupported global" in text or "Unsupported operand" in text


def _size(n: int) -> str:
    """Bytes as people read them: 74.5 GiB, 256 MiB, 12 KiB."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} bytes"


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] + ("..." if len(text) > 200 else "")
