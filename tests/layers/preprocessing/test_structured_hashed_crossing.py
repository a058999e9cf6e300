"""layers.HashedCrossing: bucket numbers checked against the values TensorFlow's
``sparse.cross_hashed`` gives (Keras's documented examples), shapes, dtypes, errors."""

import numpy as np
import pytest

import lamina
from lamina.layers.preprocessing.hashed_crossing import cross_hashed

FEATURE_A = np.array(["A", "B", "A", "B", "A"])
FEATURE_B = np.array([101, 101, 101, 102, 102])


def test_buckets_equal_tensorflows():
    # Keras's docstring and tests: what tf.sparse.cross_hashed returns for these crosses.
    out = lamina.layers.HashedCrossing(num_bins=5)((FEATURE_A, FEATURE_B))
    assert lamina.ops.convert_to_numpy(out).tolist() == [1, 4, 1, 1, 3]
    # int64 (JAX without x64 enabled stores 64-bit integers as int32, as Keras on JAX does).
    assert lamina.backend.standardize_dtype(out.dtype) in (
        "int64" if lamina.backend.backend() == "torch" else ("int32", "int64"))
    scalar = lamina.layers.HashedCrossing(num_bins=10)((np.array("A"), np.array(101)))
    assert lamina.ops.convert_to_numpy(scalar).shape == ()
    assert int(lamina.ops.convert_to_numpy(scalar)) == 1


def test_one_hot_and_column_inputs():
    one_hot = lamina.layers.HashedCrossing(num_bins=5, output_mode="one_hot")
    out = lamina.ops.convert_to_numpy(one_hot((FEATURE_A, FEATURE_B)))
    np.testing.assert_array_equal(out, np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]])
    assert out.dtype == np.float32
    column = lamina.ops.convert_to_numpy(one_hot((FEATURE_A[:, None], FEATURE_B[:, None])))
    np.testing.assert_array_equal(column, out)  # (batch, 1) inputs: one vector per sample
    ints = lamina.layers.HashedCrossing(num_bins=5, dtype="int32")(
        (FEATURE_A[:, None], FEATURE_B[:, None]))
    assert tuple(ints.shape) == (5, 1)
    assert lamina.backend.standardize_dtype(ints.dtype) == "int32"
    assert lamina.ops.convert_to_numpy(ints)[:, 0].tolist() == [1, 4, 1, 1, 3]


def test_crossing_order_and_more_features_matter():
    a, b = np.array([1, 2, 3, 4]), np.array([7, 7, 9, 9])
    forward = cross_hashed([a, b], 1_000_003)
    backward = cross_hashed([b, a], 1_000_003)
    assert not np.array_equal(forward, backward)  # a cross is ordered, as in TensorFlow
    three = cross_hashed([a, b, np.array(["x", "y", "x", "y"])], 1_000_003)
    assert not np.array_equal(three, forward)
    assert np.all((three >= 0) & (three < 1_000_003))
    np.testing.assert_array_equal(cross_hashed([a, b], 1_000_003), forward)  # deterministic


def test_output_shapes_and_config_round_trip(tmp_path):
    layer = lamina.layers.HashedCrossing(num_bins=7, output_mode="one_hot", name="cross")
    assert layer.compute_output_shape([(None, 1), (None, 1)]) == (None, 7)
    assert layer.compute_output_shape([(None,), (None,)]) == (None, 7)
    assert lamina.layers.HashedCrossing(3).compute_output_shape([(4,), (4,)]) == (4,)
    copy = lamina.layers.HashedCrossing.from_config(layer.get_config())
    assert (copy.num_bins, copy.output_mode, copy.name) == (7, "one_hot", "cross")
    first = lamina.Input((1,), dtype="int64")
    second = lamina.Input((1,), dtype="int64")
    model = lamina.Model([first, second], lamina.layers.HashedCrossing(11)((first, second)))
    x = (np.array([[3], [4]]), np.array([[5], [5]]))
    expected = cross_hashed([x[0], x[1]], 11)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    path = str(tmp_path / "cross.keras")
    model.save(path)
    loaded = lamina.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_bad_inputs_are_refused():
    layer = lamina.layers.HashedCrossing(num_bins=10)
    with pytest.raises(ValueError, match="list or tuple of inputs"):
        layer(np.array([1]))
    with pytest.raises(ValueError, match="at least two inputs"):
        layer([np.array([1])])
    with pytest.raises(ValueError, match="integer or string dtype.*float"):
        layer((np.array([1.0]), np.array([1.0])))
    with pytest.raises(ValueError, match=r"shape \(\), \(batch_size,\) or \(batch_size, 1\)"):
        layer((np.array([[[1]]]), np.array([[[1]]])))
    with pytest.raises(ValueError, match="same shape"):
        layer((np.array([1, 2]), np.array([1])))
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        lamina.layers.HashedCrossing(3, output_mode="count")
    with pytest.raises(ValueError, match="`sparse=True` can only be used with the TensorFlow"):
        lamina.layers.HashedCrossing(3, output_mode="one_hot", sparse=True)
    with pytest.raises(ValueError, match="`num_bins` must be a positive integer"):
        lamina.layers.HashedCrossing(0)
