"""The handmade model's interface: specs, validation, dtype, repr, caches."""

import numpy as np
import pytest

from handmade import MLP, MLPSpec, letters
from handmade.contract.errors import InvalidInput
from handmade.contract.spec import check_data
from torch_ref.model import TorchMLP


def test_lesson_pitfall_letters_as_15_rows_of_6_is_refused():
    X, Y = letters()
    stacked = X.reshape(15, 6)  # the lesson's bug: 3 letters x 5 rows of 6 pixels
    net = MLP(MLPSpec())
    with pytest.raises(InvalidInput, match=r"X has 6 features per row but the network's input size is 30.*flatten"):
        net.forward(stacked)
    # Even with a 6-input network the mismatch is reported, never silently broadcast.
    with pytest.raises(InvalidInput, match="X has 15 rows but Y has 3"):
        check_data(stacked, Y, (6, 16, 3))


def test_single_row_and_one_dimensional_input():
    X, _ = letters()
    with pytest.raises(InvalidInput, match=r"1-D.*reshape\(1, -1\)"):
        MLP(MLPSpec()).forward(X[0])
    with pytest.raises(InvalidInput, match="6 features per row"):
        MLP(MLPSpec()).forward(X[:1, :6])  # "testing" on one 6-pixel row


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_is_refused(bad):
    X, Y = letters()
    X[1, 4] = bad
    with pytest.raises(InvalidInput, match=r"X contains NaN or inf.*row 1, column 4"):
        MLP(MLPSpec()).forward(X)


def test_float32_overflowing_data_is_refused_without_warning():
    X, _ = letters()
    with pytest.raises(InvalidInput, match="too large for float32"):
        MLP(MLPSpec(dtype="float32")).forward(X * 1e300)


@pytest.mark.parametrize("field, value, message", [
    ("sizes", (30,), "needs an input and an output size"),
    ("sizes", (30, 0, 3), "positive integers"),
    ("activation", "sigmod", "did you mean 'sigmoid'"),
    ("output_activation", "softmax", "a softmax output goes with the ce or ce_sum loss"),
    ("output_activation", "softmin", "supported activations are"),
    ("loss", "hinge", "supported losses are"),
    ("init", "he", "supported initialisers are"),
    ("dtype", "float16", "supported dtypes are: float32, float64"),
    ("seed", -1, "non-negative"),
])
def test_bad_spec_fields(field, value, message):
    with pytest.raises(InvalidInput, match=message):
        MLPSpec(**{field: value})


def test_wrong_parameter_dict_is_refused():
    spec = MLPSpec()
    params = spec.init_params()
    params["layers.0.weight"] = params["layers.0.weight"].T  # the (in, out) layout
    with pytest.raises(InvalidInput, match=r"layers.0.weight has shape \(30, 16\), expected \(16, 30\)"):
        MLP(spec, params)
    del params["layers.1.bias"]
    with pytest.raises(InvalidInput, match="missing"):
        MLP(spec, params)


def test_backward_needs_forward_and_matching_targets():
    net = MLP(MLPSpec())
    with pytest.raises(InvalidInput, match="call forward"):
        net.backward(np.eye(3))
    net.forward(letters()[0])
    with pytest.raises(InvalidInput, match="Y has shape"):
        net.backward(np.eye(2))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_dtype_is_kept_everywhere(dtype):
    X, Y = letters()
    net = MLP(MLPSpec(sizes=(30, 16, 8, 3), activation="tanh", dtype=dtype))
    out = net.forward(X)
    grads = net.backward(Y)
    arrays = [out, grads.input, *grads.params.values(), *grads.z, *grads.a]
    assert all(a.dtype == np.dtype(dtype) for a in arrays)
    assert [g.shape for g in grads.z] == [(3, 16), (3, 8), (3, 3)]


def test_repr_reads_like_torch():
    spec = MLPSpec(sizes=(30, 16, 3), activation="leaky_relu(negative_slope=0.2)")
    mine = repr(MLP(spec)).replace("MLP(", "TorchMLP(", 1)
    assert mine == repr(TorchMLP(spec))


def test_predict_keeps_the_training_cache():
    X, Y = letters()
    net = MLP(MLPSpec())
    net.forward(X)
    first = net.backward(Y).params["layers.0.weight"].copy()
    net.predict(X[:1])
    np.testing.assert_array_equal(net.backward(Y).params["layers.0.weight"], first)
