"""Hostile weight and data archives: every declared size checked before it is allocated, only plain tensors.

Each file here is small (a few KB) and would have cost gigabytes or a traceback before
(issue 12): an .npy header declaring a (100000, 100000) array, a deflate bomb, a stride-0
tensor "expanded" to 10^9 elements, sparse, meta, quantized and float8 tensors.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import torch

from compare.files.archives import MAX_WEIGHT_BYTES
from compare.files.datafiles import load_data
from compare.files.weights import load_weights, save_weights
from handmade.contract.errors import InvalidInput
from handmade.contract.spec import MLPSpec

PARAMS = MLPSpec(sizes=(5, 4, 3), seed=1).init_params()


def npy(shape, data: bytes = b"", dtype="<f8") -> bytes:
    """An .npy member: a header declaring ``shape`` followed by ``data`` (which may be far shorter)."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


def archive(path, members: dict[str, bytes], compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def refused(path, *phrases, **kwargs):
    with pytest.raises(InvalidInput) as info:
        load_weights(path, **kwargs)
    for phrase in phrases:
        assert phrase in str(info.value)
    assert str(path) in str(info.value)


def test_a_header_declaring_a_huge_shape_is_refused_before_allocating(tmp_path):
    path = archive(tmp_path / "w.npz", {"layers.0.weight.npy": npy((100000, 100000)),
                                        "layers.0.bias.npy": npy((100000,))})
    assert path.stat().st_size < 1000
    refused(path, "layers.0.weight declares shape (100000, 100000) float64 = 74.5 GiB", "more than the 256 MiB limit")


def test_a_header_that_declares_more_than_its_member_holds_is_refused(tmp_path):
    """Within the limit but not backed by data: a forged or truncated member, caught from the header."""
    path = archive(tmp_path / "w.npz", {"layers.0.weight.npy": npy((300, 300), b"\0" * 64),
                                        "layers.0.bias.npy": npy((300,), b"\0" * 2400)})
    refused(path, "layers.0.weight declares shape (300, 300) float64 (703 KiB) but holds 64 bytes of data")


def test_a_deflate_bomb_is_refused_from_the_zip_directory(tmp_path):
    """4 MiB of zeros deflate to a few KB; with a 1 MiB limit the archive is refused before anything is unpacked."""
    zeros = np.zeros((512, 1024))
    members = {"layers.0.weight.npy": npy(zeros.shape, zeros.tobytes()), "layers.0.bias.npy": npy((512,), bytes(4096))}
    path = archive(tmp_path / "w.npz", members, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 20_000
    refused(path, "unpacks to 4 MiB (from ", "more than the 1 MiB limit", max_bytes=2**20)
    # The same file is a fine (all-zero) 1024-512 layer under the default limit: the limit, not the zeros, refused it.
    assert load_weights(path)["layers.0.weight"].shape == (512, 1024)


def test_a_torch_zip_bomb_is_refused_before_torch_reads_it(tmp_path):
    good = save_weights(tmp_path / "good.pt", PARAMS).read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(tmp_path / "w.pt", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, data + bytes(4 * 2**20) if info.filename.endswith("data/0") else data)
    refused(tmp_path / "w.pt", "unpacks to 4 MiB", "more than the 1 MiB limit", max_bytes=2**20)


def test_a_stride_zero_tensor_is_refused_before_it_is_copied(tmp_path):
    """One stored float viewed as 10^9 x 3: 2 KB on disk, 12 GB once made contiguous."""
    torch.save({"layers.0.weight": torch.zeros(1).expand(10**9, 3), "layers.0.bias": torch.zeros(1).expand(10**9)},
               tmp_path / "w.pt")
    assert (tmp_path / "w.pt").stat().st_size < 5000
    refused(tmp_path / "w.pt", "its tensors hold 14.9 GiB of elements, more than the 256 MiB limit")


@pytest.mark.parametrize("make, phrase", [
    (lambda: torch.eye(3).to_sparse(), "layers.0.weight is a sparse tensor (torch.sparse_coo); save dense tensors"),
    (lambda: torch.eye(3).to_sparse_csr(), "is a sparse tensor (torch.sparse_csr)"),
    (lambda: torch.empty(3, 3, device="meta"), "layers.0.weight is a meta tensor: it has a shape and no values"),
    (lambda: torch.quantize_per_tensor(torch.eye(3), 0.1, 0, torch.qint8), "non-real dtype torch.qint8"),
    (lambda: torch.eye(3).to(torch.float8_e4m3fn), "dtype torch.float8_e4m3fn, which numpy cannot hold"),
    (lambda: torch.eye(3, dtype=torch.complex64), "non-real dtype torch.complex64"),
], ids=["sparse_coo", "sparse_csr", "meta", "qint8", "float8", "complex"])
@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta:UserWarning")  # torch's, when saving one
@pytest.mark.filterwarnings("ignore:.*quantize_per_tensor.*deprecated:UserWarning")  # torch's, when making one
def test_tensors_that_are_not_plain_dense_numbers_are_refused(tmp_path, make, phrase):
    torch.save({"layers.0.weight": make(), "layers.0.bias": torch.zeros(3)}, tmp_path / "w.pt")
    refused(tmp_path / "w.pt", phrase)


def test_a_legacy_torch_file_is_refused_unread(tmp_path):
    """The pre-1.6 format allocates every storage at its declared size before reading it: not read at all."""
    torch.save({k: torch.from_numpy(v) for k, v in PARAMS.items()}, tmp_path / "w.pt",
               _use_new_zipfile_serialization=False)
    refused(tmp_path / "w.pt", "legacy (torch < 1.6)", "nothing was unpickled", "save it again")


def test_float16_and_bfloat16_tensors_are_read_exactly(tmp_path):
    state = {k: torch.from_numpy(v) for k, v in PARAMS.items()}
    state["layers.0.weight"] = state["layers.0.weight"].half()
    state["layers.1.weight"] = state["layers.1.weight"].bfloat16()
    torch.save(state, tmp_path / "w.pt")
    loaded = load_weights(tmp_path / "w.pt")
    assert np.array_equal(loaded["layers.0.weight"], state["layers.0.weight"].double().numpy())
    assert np.array_equal(loaded["layers.1.weight"], state["layers.1.weight"].double().numpy())


def test_the_default_limit_fits_the_largest_network_here():
    """784-1024-1024-10 in float64 (the benchmark's large size) is 15 MB: far below the limit."""
    sizes = (784, 1024, 1024, 10)
    n = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    assert 8 * n < MAX_WEIGHT_BYTES / 16


def test_a_data_archive_with_a_forged_header_is_refused(tmp_path):
    path = archive(tmp_path / "d.npz", {"X.npy": npy((10**6, 10**6)), "Y.npy": npy((3,), bytes(24))})
    with pytest.raises(InvalidInput, match=r"data file '.*d.npz': X declares shape \(1000000, 1000000\)"):
        load_data(path)
