"""IntegerLookup: lookups and encodings against a dictionary-based NumPy reference, values
recorded from Keras 3.15.1 on TensorFlow 2.21 (Keras's layer needs TensorFlow; it is the
oracle too where TensorFlow is installed), adapt, vocabulary API, errors, and models."""

import collections
import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers.preprocessing.integer_lookup import IntegerLookup

from ..layer_checks import keras
from ..layer_checks import to_numpy

VOCAB = [12, 36, 1138, 42]
DATA = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])


def _reference(x, vocab, num_oov=1, mask=None, mode="int", depth=None, idf=None):
    """Look tokens up in a dict, then encode by indexing an identity matrix."""
    start = (1 if mask is not None and mode == "int" else 0) + num_oov
    index = {token: start + i for i, token in enumerate(vocab)}
    oov_start = start - num_oov

    def one(token):
        if mask is not None and token == mask:
            return 0 if mode == "int" else -1
        if token in index:
            return index[token]
        return oov_start + token % num_oov

    ids = np.vectorize(one)(np.asarray(x))
    if mode == "int":
        return ids
    depth = depth or start + len(vocab)
    rows = np.vstack([np.eye(depth), np.zeros((1, depth))])[ids]  # id -1 -> zero row
    if mode == "one_hot":
        return rows[..., 0, :] if ids.shape[-1] == 1 else rows
    counts = rows.sum(axis=ids.ndim - 1)
    if mode == "multi_hot":
        return np.minimum(counts, 1)
    return counts if idf is None else counts * np.asarray(idf)


# -- lookups ------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {}, {"num_oov_indices": 3}, {"mask_token": 0}, {"mask_token": 0, "num_oov_indices": 2},
])
@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_lookup_matches_the_reference(kwargs, mode):
    x = np.array([[12, 0, 7, -8], [1000, 42, 36, 0]])
    if mode == "one_hot":
        x = x.reshape(-1, 1)
    layer = IntegerLookup(vocabulary=VOCAB, output_mode=mode, **kwargs)
    expected = _reference(x, VOCAB, kwargs.get("num_oov_indices", 1), kwargs.get("mask_token"),
                          mode)
    np.testing.assert_array_equal(to_numpy(layer(x)), expected)


@pytest.mark.parametrize("kwargs, inputs, expected", [
    # From the Keras 3.15.1 IntegerLookup docstring.
    ({"vocabulary": VOCAB}, [[12, 1138, 42], [42, 1000, 36]], [[1, 3, 4], [4, 0, 2]]),
    ({"vocabulary": VOCAB, "num_oov_indices": 2}, [[12, 1138, 42], [37, 1000, 36]],
     [[2, 4, 5], [1, 0, 3]]),
    ({"vocabulary": [10, 20, 30], "num_oov_indices": 4, "oov_method": "farmhash"},
     [100, 300, 700, 1100, 1700, 2000], [3, 3, 2, 2, 0, 1]),
    ({"vocabulary": VOCAB, "output_mode": "multi_hot"}, DATA,
     [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ({"vocabulary": VOCAB, "output_mode": "count"}, DATA, [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
    ({"vocabulary": VOCAB, "output_mode": "tf_idf", "idf_weights": [0.25, 0.75, 0.6, 0.4]},
     DATA, [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]]),
    ({"vocabulary": [-1] + VOCAB, "output_mode": "tf_idf",
      "idf_weights": [0.9, 0.25, 0.75, 0.6, 0.4]}, DATA,
     [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]]),
    ({"vocabulary": VOCAB, "invert": True}, [[1, 3, 4], [4, 0, 2]],
     [[12, 1138, 42], [42, -1, 36]]),
    # Recorded from keras.layers.IntegerLookup in Keras 3.15.1 with TensorFlow 2.21.
    ({"vocabulary": VOCAB, "mask_token": 0, "num_oov_indices": 3},
     [[0, 12, 7, -8, 1000, 42]], [[0, 4, 2, 2, 2, 7]]),
    ({"vocabulary": VOCAB, "mask_token": 0, "num_oov_indices": 3, "oov_method": "farmhash",
      "salt": 7}, [[0, 12, 7, -8, 1000, 42]], [[0, 4, 2, 2, 1, 7]]),
    ({"vocabulary": VOCAB, "num_oov_indices": 5, "oov_method": "farmhash"},
     [[0, 12, 7, -8, 1000, 42]], [[0, 5, 3, 1, 3, 8]]),
    ({"vocabulary": [5, 6], "output_mode": "count", "mask_token": 0, "max_tokens": 6,
      "pad_to_max_tokens": True}, [[0, 5, 5, 9], [6, 0, 0, 0]],
     [[1, 2, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0]]),
    ({"vocabulary": [5, 6], "output_mode": "one_hot", "mask_token": 0}, [[0], [5], [9]],
     [[0, 0, 0], [0, 1, 0], [1, 0, 0]]),
    ({"vocabulary": VOCAB, "mask_token": 0, "num_oov_indices": 2, "invert": True,
      "oov_token": -7}, [[0, 1, 2, 3, 6, 7, -1]], [[0, -7, -7, 12, 42, -7, -7]]),
])
def test_outputs_equal_keras_on_tensorflow(kwargs, inputs, expected):
    got = to_numpy(IntegerLookup(**kwargs)(np.array(inputs)))
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_output_dtypes_follow_keras():
    x = np.array([[12, 7]])
    assert to_numpy(IntegerLookup(vocabulary=VOCAB)(x)).dtype.kind == "i"
    assert to_numpy(IntegerLookup(vocabulary=VOCAB, output_mode="count")(x)).dtype.kind == "i"
    tf_idf = IntegerLookup(vocabulary=VOCAB, output_mode="tf_idf", idf_weights=[1.0] * 4)
    assert str(to_numpy(tf_idf(x)).dtype) == "float32"


def test_scalar_input_gives_a_scalar_index():
    assert to_numpy(IntegerLookup(vocabulary=VOCAB)(np.array(36))).tolist() == 2


def test_invert_maps_the_forward_indices_back():
    forward = IntegerLookup(vocabulary=VOCAB, mask_token=0)
    inverse = IntegerLookup(vocabulary=forward.get_vocabulary(), mask_token=0, invert=True)
    x = np.array([[12, 0, 42, 7]])
    np.testing.assert_array_equal(to_numpy(inverse(forward(x))), [[12, 0, 42, -1]])


def test_keras_oracle_where_tensorflow_is_installed():
    pytest.importorskip("tensorflow", reason="Keras's IntegerLookup layer needs TensorFlow")
    x = np.array([[12, 0, 7, -8, 42]])
    for kwargs in ({"mask_token": 0, "num_oov_indices": 2},
                   {"output_mode": "multi_hot", "num_oov_indices": 2},
                   {"output_mode": "count", "mask_token": 0},
                   {"oov_method": "farmhash", "num_oov_indices": 3, "salt": [1, 2]}):
        expected = keras().layers.IntegerLookup(vocabulary=VOCAB, **kwargs)(x)
        got = IntegerLookup(vocabulary=VOCAB, **kwargs)(x)
        np.testing.assert_array_equal(to_numpy(got), to_numpy(expected))


# -- adapt --------------------------------------------------------------------------------
def test_adapt_sorts_by_count_then_by_token_descending():
    data = np.random.default_rng(0).integers(-5, 30, size=(40, 6))
    layer = IntegerLookup(max_tokens=12, mask_token=0)
    layer.adapt(data)
    counts = collections.Counter(data.reshape(-1).tolist())
    counts.pop(0)
    counts.pop(-1, None)
    expected = sorted(counts, key=lambda t: (counts[t], t), reverse=True)[:10]
    assert layer.get_vocabulary() == [0, -1] + expected
    assert layer.get_vocabulary(include_special_tokens=False) == expected
    assert layer.vocabulary_size() == 12


def test_adapt_examples_recorded_from_keras():
    layer = IntegerLookup()
    layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    layer = IntegerLookup(max_tokens=4, mask_token=0)
    layer.adapt(np.array([[0, 0, 5, 5, 5, 7, 7, 9, 9, 3]]))
    assert layer.get_vocabulary() == [0, -1, 5, 9]
    np.testing.assert_array_equal(to_numpy(layer(np.array([[0, 5, 7, 9, 3]]))),
                                  [[0, 2, 1, 3, 1]])


@pytest.mark.parametrize("data, inputs, vocabulary, expected", [
    # Recorded from Keras 3.15.1 with TensorFlow 2.21. A whole 1-D array: each element is a
    # document; 1-D batches of an iterable: each batch is one document.
    (np.array([1, 2, 2, 3]), [[1, 2, 3, 4]], [-1, -1, 2, 3, 1],
     [[1.014840841293335, 0.0, 0.8472978472709656, 1.0986123085021973, 1.0986123085021973]]),
    ("batches", [[1, 2, 3, 4]], [-1, 2, 3, 1],
     [[0.6323733329772949, 0.5108256340026855, 0.6931471824645996, 0.6931471824645996]]),
])
def test_tf_idf_adapt_equals_keras(data, inputs, vocabulary, expected):
    num_oov = 2 if isinstance(data, np.ndarray) else 1
    layer = IntegerLookup(output_mode="tf_idf", num_oov_indices=num_oov)
    if isinstance(data, str):
        data = iter([np.array([1, 2, 2]), np.array([2, 3])])
    layer.adapt(data)
    assert layer.get_vocabulary() == vocabulary
    np.testing.assert_allclose(to_numpy(layer(np.array(inputs))), expected, rtol=1e-6)


def test_tf_idf_weights_follow_the_formula():
    data = np.array([[1, 2, 2, 3], [3, 3, 4, 5], [1, 1, 1, 9]])
    layer = IntegerLookup(output_mode="tf_idf", max_tokens=6, pad_to_max_tokens=True)
    layer.adapt(data)
    vocab = layer.get_vocabulary(include_special_tokens=False)
    documents = np.array([sum(t in row for row in data.tolist()) for t in vocab])
    idf = np.log(1 + 3 / (1 + documents))
    idf = np.concatenate([[idf.mean()], idf, np.zeros(6 - 1 - len(vocab))])
    expected = _reference(np.array([[1, 2, 9, 7]]), vocab, mode="count", depth=6, idf=idf)
    np.testing.assert_allclose(to_numpy(layer(np.array([[1, 2, 9, 7]]))), expected, rtol=1e-6)


@pytest.mark.parametrize("source", ["list", "tensor", "generator", "py_dataset"])
def test_adapt_sources_learn_the_same_vocabulary(source):
    data = np.array([[3, 3, 5], [5, 5, 8]])
    layer = IntegerLookup()
    if source == "list":
        layer.adapt(data.tolist())
    elif source == "tensor":
        layer.adapt(ops.convert_to_tensor(data))
    elif source == "generator":
        layer.adapt(row[None] for row in data)
    else:
        class Rows(lamina.utils.PyDataset):
            def __len__(self):
                return 2

            def __getitem__(self, index):
                return data[index:index + 1], np.zeros(1)

        layer.adapt(Rows())
    assert layer.get_vocabulary() == [-1, 5, 3, 8]


# -- vocabulary API -----------------------------------------------------------------------
def test_set_vocabulary_replaces_the_vocabulary_and_accepts_special_tokens():
    layer = IntegerLookup(mask_token=0)
    layer.set_vocabulary([0, -1, 7, 8])
    assert layer.get_vocabulary() == [0, -1, 7, 8] and layer.vocabulary_size() == 4
    layer.set_vocabulary(ops.convert_to_tensor(np.array([9])))
    np.testing.assert_array_equal(to_numpy(layer(np.array([9, 7, 0]))), [2, 1, 0])


def test_vocabulary_file_is_read_one_token_per_line(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("12\n36\n1138\n42\n")
    layer = IntegerLookup(vocabulary=str(path))
    np.testing.assert_array_equal(to_numpy(layer(np.array([42, 5]))), [4, 0])
    assert layer.get_config()["vocabulary"] == VOCAB


def test_config_round_trips_an_adapted_vocabulary_and_has_keras_keys():
    layer = IntegerLookup(output_mode="tf_idf", mask_token=0, name="ids")
    layer.adapt(np.array([[1, 2, 2, 0], [3, 3, 3, 1]]))
    config = json.loads(json.dumps(layer.get_config()))
    clone = IntegerLookup.from_config(config)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    x = np.array([[1, 2, 3, 4, 0]])
    np.testing.assert_allclose(to_numpy(clone(x)), to_numpy(layer(x)), rtol=1e-6)
    keras_keys = {"name", "trainable", "dtype", "invert", "max_tokens", "num_oov_indices",
                  "oov_token", "mask_token", "output_mode", "sparse", "pad_to_max_tokens",
                  "vocabulary_dtype", "idf_weights", "vocabulary", "vocabulary_size",
                  "oov_method", "salt"}  # Keras 3.15.1's IntegerLookup.get_config
    assert set(config) == keras_keys


@pytest.mark.parametrize("mode, shape, expected", [
    ("int", (None, 3), (None, 3)), ("one_hot", (None, 1), (None, 5)),
    ("one_hot", (None, 3), (None, 3, 5)), ("multi_hot", (None, 3), (None, 5)),
])
def test_compute_output_shape(mode, shape, expected):
    layer = IntegerLookup(vocabulary=VOCAB, output_mode=mode)
    assert layer.compute_output_shape(shape) == expected
    assert layer(lamina.Input(shape[1:], dtype="int32")).shape == expected


# -- errors -------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"max_tokens": 1}, "`max_tokens`, when set, must be greater than 1"),
    ({"num_oov_indices": -1}, "`num_oov_indices` must be >= 0"),
    ({"sparse": True}, "`sparse=True` needs sparse tensors"),
    ({"vocabulary_dtype": "int32"}, "only vocabulary_dtype='int64'"),
    ({"pad_to_max_tokens": True}, "`pad_to_max_tokens=True` needs `max_tokens`"),
    ({"oov_method": "modulo"}, "`oov_method` must be one of"),
    ({"salt": 3}, "`salt` applies only with oov_method='farmhash'"),
    ({"output_mode": "tfidf"}, "`output_mode` must be one of"),
    ({"invert": True, "output_mode": "count"}, '`invert=True` needs output_mode="int"'),
    ({"idf_weights": [1.0]}, '`idf_weights` applies only to output_mode="tf_idf"'),
    ({"vocabulary": VOCAB, "output_mode": "tf_idf"}, "pass `idf_weights` too"),
    ({"vocabulary": [1, 2, 1]}, r"must not repeat a token; repeated: \[1\]"),
    ({"vocabulary": [1, 0], "mask_token": 0}, "the mask token 0 sits inside the vocabulary"),
    ({"vocabulary": [1, 2, 3], "max_tokens": 3}, "needs 4 indices .* more than max_tokens=3"),
    ({"vocabulary": []}, "the vocabulary is empty"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        IntegerLookup(**kwargs)


def test_out_of_vocabulary_input_without_oov_indices_is_refused():
    layer = IntegerLookup(vocabulary=VOCAB, num_oov_indices=0, name="strict")
    with pytest.raises(ValueError, match=r'"strict": with num_oov_indices=0 .* values \[5\]'):
        layer(np.array([12, 5]))


def test_adapt_after_a_given_vocabulary_is_refused():
    with pytest.raises(ValueError, match="was given its vocabulary; it cannot be adapted"):
        IntegerLookup(vocabulary=VOCAB).adapt(np.array([1, 2]))


def test_encoded_call_without_a_vocabulary_is_refused():
    with pytest.raises(RuntimeError, match="needs the vocabulary size before the first call"):
        IntegerLookup(output_mode="multi_hot")(np.array([[1, 2]]))


def test_encoded_width_cannot_change_after_it_is_set():
    layer = IntegerLookup(vocabulary=[1, 2], output_mode="multi_hot")
    with pytest.raises(RuntimeError, match="it was 3, the new vocabulary has 4"):
        layer.set_vocabulary([1, 2, 3])


# -- in models ----------------------------------------------------------------------------
def _data(n=16):
    x = np.random.default_rng(0).choice([3, 9, 27, 81, 5], size=(n, 3))
    return x, (x == 27).any(axis=1, keepdims=True).astype("float32")


def test_fit_and_predict_with_an_embedding_after_the_lookup():
    x, y = _data()
    lookup = IntegerLookup()
    lookup.adapt(x)
    model = lamina.Sequential([lamina.Input((3,), dtype="int32"), lookup,
                               lamina.layers.Embedding(lookup.vocabulary_size(), 4),
                               lamina.layers.GlobalAveragePooling1D(),
                               lamina.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert np.isfinite(model.fit(x, y, batch_size=8, epochs=2, verbose=0).history["loss"]).all()
    assert model.predict(x, verbose=0).shape == (16, 1)


def test_keras_file_round_trips_an_adapted_tf_idf_lookup(tmp_path):
    x, y = _data()
    lookup = IntegerLookup(output_mode="tf_idf")
    lookup.adapt(x)
    inputs = lamina.Input((3,), dtype="int32")
    model = lamina.Model(inputs, lamina.layers.Dense(1)(lookup(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    path = str(tmp_path / "lookup.keras")
    model.save(path)
    loaded = lamina.models.load_model(path, custom_objects={"IntegerLookup": IntegerLookup})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
