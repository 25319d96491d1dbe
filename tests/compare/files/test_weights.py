"""Weight files: exact round trips in both formats, and every kind of bad file refused without running code."""

from __future__ import annotations

import pickle
import zipfile

import numpy as np
import pytest
import torch

from compare.files.weights import infer_sizes, load_weights, save_weights
from handmade.contract.errors import InvalidInput
from handmade.contract.spec import MLPSpec
from torch_ref.model import TorchMLP

FORMATS = [".npz", ".pt", ".pth"]
SIZES = (5, 4, 3, 2)


def params_for(dtype="float64", sizes=SIZES, seed=3):
    return MLPSpec(sizes=sizes, init="standard_normal", seed=seed, dtype=dtype).init_params()


class Payload:
    """A pickle that, if ever unpickled, creates ``marker`` (it calls ``open(marker, "w")``)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


# -- round trips --------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_round_trip_is_bit_exact(tmp_path, suffix, dtype):
    params = params_for(dtype)
    # Values whose last bits matter: a lossy format (text, float32 for float64) would change them.
    params["layers.0.bias"][:] = np.nextafter(np.asarray(1 / 3, dtype=dtype), np.asarray(1, dtype=dtype))
    path = save_weights(tmp_path / f"w{suffix}", params)
    loaded = load_weights(path, sizes=SIZES)
    assert list(loaded) == list(params)
    for key in params:
        assert loaded[key].dtype == np.dtype(dtype)
        assert loaded[key].tobytes() == params[key].tobytes(), key


@pytest.mark.parametrize("suffix", FORMATS)
def test_dtype_argument_casts(tmp_path, suffix):
    params = params_for("float64")
    loaded = load_weights(save_weights(tmp_path / f"w{suffix}", params), dtype="float32")
    for key in params:
        assert loaded[key].dtype == np.float32
        np.testing.assert_array_equal(loaded[key], params[key].astype(np.float32))


def test_torch_file_is_a_real_state_dict(tmp_path):
    """A .pt written here loads into TorchMLP strictly, and torch's own state_dict file loads here."""
    spec = MLPSpec(sizes=SIZES, seed=7)
    params = params_for()
    path = save_weights(tmp_path / "w.pt", params)
    model = TorchMLP(spec)
    model.load_state_dict(torch.load(path, weights_only=True), strict=True)
    for key, value in model.numpy_params().items():
        np.testing.assert_array_equal(value, params[key])
    torch.save(TorchMLP(spec).state_dict(), tmp_path / "torch.pt")
    loaded = load_weights(tmp_path / "torch.pt", sizes=SIZES)
    for key, value in spec.init_params().items():
        np.testing.assert_array_equal(loaded[key], value)


def test_infer_sizes():
    assert infer_sizes(params_for()) == SIZES


def test_save_creates_directories_and_leaves_no_temp_file(tmp_path):
    path = save_weights(tmp_path / "deep" / "dir" / "w.npz", params_for())
    assert sorted(p.name for p in path.parent.iterdir()) == ["w.npz"]


# -- refusals -----------------------------------------------------------------------------------
def refused(path, match, **kwargs):
    with pytest.raises(InvalidInput, match=match) as info:
        load_weights(path, **kwargs)
    assert "\n" not in str(info.value)  # the CLI prints it as one line
    return str(info.value)


@pytest.mark.parametrize("suffix", FORMATS)
def test_missing_key_refused(tmp_path, suffix):
    params = params_for()
    del params["layers.1.bias"]
    path = tmp_path / f"w{suffix}"
    with pytest.raises(InvalidInput, match="layers.1.bias"):
        save_weights(path, params)  # refused on the way out too, so no unloadable file is written
    assert not path.exists()
    write_raw(path, params, suffix)
    refused(path, r"missing keys \['layers.1.bias'\]")


@pytest.mark.parametrize("suffix", FORMATS)
def test_extra_key_refused(tmp_path, suffix):
    params = params_for()
    params["layers.0.running_mean"] = np.zeros(4)
    path = tmp_path / f"w{suffix}"
    write_raw(path, params, suffix)
    refused(path, r"unexpected keys \['layers.0.running_mean'\]")


@pytest.mark.parametrize("suffix", FORMATS)
def test_extra_layer_against_sizes_refused(tmp_path, suffix):
    path = save_weights(tmp_path / f"w{suffix}", params_for())
    message = refused(path, "holds a 5-4-3-2 network, not 5-4-3", sizes=(5, 4, 3))
    assert "layers.2.weight" in message


@pytest.mark.parametrize("suffix", FORMATS)
def test_wrong_shape_for_sizes_refused(tmp_path, suffix):
    path = save_weights(tmp_path / f"w{suffix}", params_for())
    refused(path, r"layers.0.weight has shape \(4, 5\), expected \(4, 6\)", sizes=(6, 4, 3, 2))
    refused(path, r"layers.1.weight has shape \(3, 4\), expected \(8, 4\)", sizes=(5, 4, 8, 2))


@pytest.mark.parametrize("suffix", FORMATS)
def test_shapes_that_do_not_chain_refused(tmp_path, suffix):
    params = params_for()
    params["layers.1.weight"] = np.zeros((3, 7))
    path = tmp_path / f"w{suffix}"
    write_raw(path, params, suffix)
    refused(path, r"layer 0 outputs 4 features; expected \(3, 4\)")
    params = params_for()
    params["layers.0.bias"] = np.zeros((4, 1))
    write_raw(path, params, suffix)
    refused(path, r"layers.0.bias has shape \(4, 1\), expected \(4,\)")


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_refused(tmp_path, suffix, bad):
    params = params_for()
    params["layers.2.weight"][1, 0] = bad
    path = save_weights(tmp_path / f"w{suffix}", params)  # a diverged run may be saved as it is ...
    refused(path, "layers.2.weight contains 1 NaN or inf")  # ... but not used as initial weights


def test_non_numeric_npz_refused(tmp_path):
    params = params_for()
    params["layers.0.bias"] = np.array(["a", "b", "c", "d"])
    write_raw(tmp_path / "w.npz", params, ".npz")
    refused(tmp_path / "w.npz", "layers.0.bias has non-numeric dtype <U1")
    params["layers.0.bias"] = np.array([True, False, True, True])
    write_raw(tmp_path / "w.npz", params, ".npz")
    refused(tmp_path / "w.npz", "layers.0.bias has non-numeric dtype bool")
    params["layers.0.bias"] = np.ones(4, dtype=complex)
    write_raw(tmp_path / "w.npz", params, ".npz")
    refused(tmp_path / "w.npz", "layers.0.bias has non-numeric dtype complex128")
    with pytest.raises(InvalidInput, match="non-numeric"):
        save_weights(tmp_path / "x.npz", params)


@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_non_tensor_torch_entries_refused(tmp_path, suffix):
    path = tmp_path / f"w{suffix}"
    state = {k: torch.from_numpy(v) for k, v in params_for().items()}
    torch.save({**state, "layers.0.bias": torch.ones(4, dtype=torch.bool)}, path)
    refused(path, "non-real dtype torch.bool")
    torch.save({**state, "layers.0.bias": [1.0, 2.0, 3.0, 4.0]}, path)
    refused(path, "'layers.0.bias' is a list, not a tensor")
    torch.save({"state_dict": state, "epoch": 3}, path)
    refused(path, "nested dict")
    torch.save(torch.ones(3), path)
    refused(path, "holds a Tensor, not a state_dict")


def test_integer_weights_are_read_as_float64(tmp_path):
    params = {k: np.ones(v.shape, dtype=np.int64) for k, v in params_for().items()}
    loaded = load_weights(save_weights(tmp_path / "w.npz", params))
    assert all(v.dtype == np.float64 and np.all(v == 1) for v in loaded.values())


def test_empty_archive_refused(tmp_path):
    np.savez(tmp_path / "w.npz")
    refused(tmp_path / "w.npz", "no parameters at all")


@pytest.mark.parametrize("suffix", FORMATS)
def test_unreadable_and_corrupt_files_refused(tmp_path, suffix):
    path = tmp_path / f"w{suffix}"
    refused(path, "does not exist")
    path.write_bytes(b"")
    refused(path, "the file is empty")
    path.write_bytes(b"hello, I am not a weight file\n")
    refused(path, "is not an .npz archive" if suffix == ".npz" else "is not a torch file")
    # A truncated but otherwise genuine file: the zip directory at the end is cut off.
    good = save_weights(tmp_path / f"good{suffix}", params_for()).read_bytes()
    path.write_bytes(good[: len(good) // 2])
    refused(path, "not a readable")
    # A zip that is not the expected kind: a torch file renamed .npz and vice versa.
    other = ".pt" if suffix == ".npz" else ".npz"
    path.write_bytes(save_weights(tmp_path / f"other{other}", params_for()).read_bytes())
    refused(path, "a torch file" if suffix == ".npz" else "not a readable torch file")
    directory = tmp_path / f"dir{suffix}"
    directory.mkdir()
    refused(directory, "is not a regular file")


def test_single_npy_renamed_npz_refused(tmp_path):
    np.save(tmp_path / "w.npy", np.ones(3))
    (tmp_path / "w.npy").rename(tmp_path / "w.npz")
    refused(tmp_path / "w.npz", "single .npy array")


@pytest.mark.parametrize("name", ["w.h5", "w.npy", "w.json", "weights"])
def test_unknown_suffix_refused(tmp_path, name):
    refused(tmp_path / name, "supported formats are: .npz, .pt, .pth")
    with pytest.raises(InvalidInput, match="supported formats"):
        save_weights(tmp_path / name, params_for())
    assert not (tmp_path / name).exists()


def test_bad_dtype_argument_refused(tmp_path):
    path = save_weights(tmp_path / "w.npz", params_for())
    with pytest.raises(InvalidInput, match="did you mean 'float64'"):
        load_weights(path, dtype="float16")


# -- pickles: refused, and nothing is executed --------------------------------------------------
def test_payload_is_live(tmp_path):
    """The malicious pickle really does create its marker when unpickled: the tests below mean something."""
    marker = tmp_path / "MARKER"
    pickle.loads(pickle.dumps(Payload(marker))).close()
    assert marker.exists()


def pickle_files(tmp_path, marker):
    """Every way to hide the payload in a file with a weight-file suffix."""
    payload = Payload(marker)
    state = {k: torch.from_numpy(v) for k, v in params_for().items()}
    files = {}
    files["torch.save of a dict holding the payload"] = tmp_path / "a.pt"
    torch.save({**state, "layers.0.bias": payload}, files["torch.save of a dict holding the payload"])
    files["torch.save of the payload itself"] = tmp_path / "b.pth"
    torch.save(payload, files["torch.save of the payload itself"])
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        files[f"raw pickle protocol {protocol} named .pt"] = tmp_path / f"c{protocol}.pt"
        files[f"raw pickle protocol {protocol} named .pt"].write_bytes(pickle.dumps(payload, protocol=protocol))
        files[f"raw pickle protocol {protocol} named .npz"] = tmp_path / f"d{protocol}.npz"
        files[f"raw pickle protocol {protocol} named .npz"].write_bytes(pickle.dumps(payload, protocol=protocol))
    # An .npz whose member is an object array (np.save pickles it).
    np.save(tmp_path / "obj.npy", np.array([payload, 1], dtype=object), allow_pickle=True)
    files[".npz with a pickled object-array member"] = tmp_path / "e.npz"
    with zipfile.ZipFile(files[".npz with a pickled object-array member"], "w") as archive:
        for key, value in params_for().items():
            with archive.open(f"{key}.npy", "w") as member:
                np.lib.format.write_array(member, value)
        archive.write(tmp_path / "obj.npy", "layers.9.weight.npy")
    return files


def test_pickle_payloads_refused_and_never_executed(tmp_path):
    marker = tmp_path / "MARKER"
    files = pickle_files(tmp_path, marker)
    assert not marker.exists()
    for what, path in files.items():
        with pytest.raises(InvalidInput, match="refused") as info:
            load_weights(path)
        assert "nothing was" in str(info.value), what
        assert not marker.exists(), f"{what}: the payload ran"


# -- helpers ------------------------------------------------------------------------------------
def write_raw(path, params, suffix):
    """Write a file save_weights would refuse to write (bad layout), as a user's tool might."""
    if suffix == ".npz":
        np.savez(path, **params)
    else:
        torch.save({k: torch.from_numpy(np.array(v)) for k, v in params.items()}, path)
