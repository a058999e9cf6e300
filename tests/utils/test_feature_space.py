"""FeatureSpace: encodings against NumPy references, the structured-data tutorial flow,
saving, and errors for bad specs.

Keras's own FeatureSpace needs TensorFlow (its lookups and its __call__ use tf), which the
test environment lacks, so the references here are NumPy ones built from the documented
rules (vocabulary by count then value, descending; features sorted by name, then crosses).
"""

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.data.py_dataset import PyDataset
from lamina.layers.preprocessing.hashed_crossing import cross_hashed
from lamina.utils import FeatureSpace

RAW = {
    "float_values": [0.0, 0.1, 0.2, 0.3, 0.3],
    "string_values": ["zero", "one", "two", "three", "two"],
    "int_values": [0, 1, 2, 3, 3],
}


def _np(x):
    return np.asarray(lamina.ops.convert_to_numpy(x))


def _vocabulary(values):
    """Keras's adapted order: count descending, then token descending."""
    uniques, counts = np.unique(np.asarray(values), return_counts=True)
    order = np.lexsort((uniques, counts))[::-1]
    return uniques[order].tolist()


def _ids(values, vocabulary):
    """Lookup ids with one OOV index (0) in front of the vocabulary."""
    return np.array([vocabulary.index(v) + 1 if v in vocabulary else 0 for v in values])


def _one_hot(ids, depth):
    return np.eye(depth, dtype="float32")[ids]


def _normalized(values, adapted=None):
    """``values`` standardized by the mean and (population) std of ``adapted``."""
    values = np.asarray(values, dtype="float64")
    adapted = values if adapted is None else np.asarray(adapted, dtype="float64")
    return ((values - adapted.mean()) / adapted.std())[:, None]


def _reference(raw, crossing_dim=32):
    """The concat output of the tutorial's three features and their string x int cross."""
    floats = _normalized(raw["float_values"], RAW["float_values"])
    int_vocab, str_vocab = _vocabulary(RAW["int_values"]), _vocabulary(RAW["string_values"])
    int_ids = _ids(raw["int_values"], int_vocab)
    str_ids = _ids(raw["string_values"], str_vocab)
    crossed = cross_hashed([str_ids[:, None], int_ids[:, None]], crossing_dim)[:, 0]
    # Sorted names: float_values, int_values, string_values, then the cross.
    return np.concatenate([floats, _one_hot(int_ids, len(int_vocab) + 1),
                           _one_hot(str_ids, len(str_vocab) + 1),
                           _one_hot(crossed, crossing_dim)], axis=1)


def _tutorial_space(**kwargs):
    return FeatureSpace(
        features={"float_values": "float_normalized", "string_values": "string_categorical",
                  "int_values": "integer_categorical"},
        crosses=[("string_values", "int_values")], **kwargs)


def test_concat_output_matches_numpy_reference():
    space = _tutorial_space()
    space.adapt(RAW)
    np.testing.assert_allclose(_np(space(RAW)), _reference(RAW), rtol=1e-5, atol=1e-6)


def test_single_sample_gives_one_row_without_batch_axis():
    space = _tutorial_space()
    space.adapt(RAW)
    sample = {"float_values": 0.1, "string_values": "one", "int_values": 1}
    out = _np(space(sample))
    assert out.shape == (_reference(RAW).shape[1],)
    np.testing.assert_allclose(out, _reference(RAW)[1], rtol=1e-5, atol=1e-6)


def test_unknown_values_go_to_the_oov_index():
    space = _tutorial_space()
    space.adapt(RAW)
    new = {"float_values": [1.0], "string_values": ["nine"], "int_values": [99]}
    np.testing.assert_allclose(_np(space(new)), _reference(new), rtol=1e-5, atol=1e-6)


def test_dict_mode_with_int_outputs():
    space = FeatureSpace(
        features={"s": FeatureSpace.string_categorical(output_mode="int"),
                  "i": FeatureSpace.integer_categorical(output_mode="int")},
        crosses=[FeatureSpace.cross(("s", "i"), crossing_dim=16, output_mode="int")],
        output_mode="dict")
    data = {"s": ["a", "b", "b"], "i": [5, 5, 6]}
    space.adapt(data)
    out = space(data)
    assert list(out) == ["i", "s", "s_X_i"]
    s_ids = _ids(data["s"], _vocabulary(data["s"]))
    i_ids = _ids(data["i"], _vocabulary(data["i"]))
    np.testing.assert_array_equal(_np(out["s"])[:, 0], s_ids)
    np.testing.assert_array_equal(_np(out["i"])[:, 0], i_ids)
    np.testing.assert_array_equal(_np(out["s_X_i"]),
                                  cross_hashed([s_ids[:, None], i_ids[:, None]], 16))


def test_float_rescaled_discretized_and_plain_float():
    space = FeatureSpace({
        "r": FeatureSpace.float_rescaled(scale=2.0, offset=1.0),
        "d": FeatureSpace.float_discretized(num_bins=3, bin_boundaries=[0.0, 1.0]),
        "f": "float"}, output_mode="dict")
    x = np.array([-0.5, 0.5, 2.0])
    out = space({"r": x, "d": x, "f": x.astype(int)})
    np.testing.assert_allclose(_np(out["r"])[:, 0], x * 2.0 + 1.0)
    np.testing.assert_array_equal(_np(out["d"]), _one_hot(np.digitize(x, [0.0, 1.0]), 3))
    assert lamina.backend.standardize_dtype(out["f"].dtype) == "float32"


def test_adapted_discretization_learns_quantile_bins():
    space = FeatureSpace({"d": "float_discretized"}, num_discretization_bins=4)
    values = np.arange(100, dtype="float32")
    space.adapt({"d": values})
    ids = _np(space({"d": values})).argmax(axis=1)
    # Four bins of about equal size, in order.
    assert np.all(np.diff(ids) >= 0) and sorted(set(ids.tolist())) == [0, 1, 2, 3]
    assert np.all(np.abs(np.bincount(ids) - 25) <= 2)


def test_hashed_features_match_hashing_layer_buckets():
    space = FeatureSpace({"s": "string_hashed", "i": "integer_hashed"}, hashing_dim=8,
                         output_mode="dict")
    data = {"s": ["A", "B", "C"], "i": [0, 1, 7]}
    out = space(data)  # nothing to adapt
    s_ref = _np(layers.Hashing(8)(np.array(data["s"])))
    i_ref = _np(layers.Hashing(8)(np.array(data["i"])))
    np.testing.assert_array_equal(_np(out["s"]), _one_hot(s_ref, 8))
    np.testing.assert_array_equal(_np(out["i"]), _one_hot(i_ref, 8))
    # Keras's documented buckets for Hashing(3) on "A", "B", "C".
    np.testing.assert_array_equal(_np(layers.Hashing(3)(np.array(["A", "B", "C"]))),
                                  [1, 0, 1])


def _batches(raw, size):
    n = len(raw["int_values"])
    return [{k: np.asarray(v)[i:i + size] for k, v in raw.items()} for i in range(0, n, size)]


class _DictBatches(PyDataset):
    def __init__(self, raw, labels):
        super().__init__()
        self.raw, self.labels = raw, labels

    def __len__(self):
        return 3

    def __getitem__(self, index):
        rows = slice(2 * index, 2 * index + 2)
        return {k: np.asarray(v)[rows] for k, v in self.raw.items()}, self.labels[rows]


@pytest.mark.parametrize("source", ["batches", "generator", "samples", "py_dataset"])
def test_adapt_reads_iterables_like_a_dict_of_columns(source):
    labels = np.arange(5)
    data = {
        "batches": _batches(RAW, 2),
        "generator": ((b, 0) for b in _batches(RAW, 2)),
        "samples": [{k: v[i] for k, v in RAW.items()} for i in range(5)],
        "py_dataset": _DictBatches(RAW, labels),
    }[source]
    space = _tutorial_space()
    space.adapt(data)
    np.testing.assert_allclose(_np(space(RAW)), _reference(RAW), rtol=1e-5, atol=1e-6)


def _structured_data(n=64):
    rng = np.random.default_rng(0)
    age = rng.uniform(20, 70, n).astype("float32")
    city = rng.choice(["paris", "oslo", "lima"], n)
    rooms = rng.integers(1, 5, n)
    label = ((age > 45) ^ (city == "oslo")).astype("float32")
    return {"age": age, "city": city, "rooms": rooms}, label


def test_tutorial_flow_fit_and_predict_on_encoded_features():
    data, label = _structured_data()
    space = FeatureSpace({"age": "float_normalized", "city": "string_categorical",
                          "rooms": "integer_categorical"}, crosses=[("city", "rooms")],
                         crossing_dim=8)
    space.adapt(data)
    # With a string feature the encoded features are fresh Inputs of the encoded width.
    encoded = space.get_encoded_features()
    assert tuple(encoded.shape) == (None, 1 + 4 + 5 + 8)
    outputs = layers.Dense(1, activation="sigmoid")(layers.Dense(8, "relu")(encoded))
    model = lamina.Model(encoded, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(space(data), label, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    sample = {"age": 30.0, "city": "oslo", "rooms": 2}
    prediction = model.predict(space(sample)[None], verbose=0)
    assert prediction.shape == (1, 1)
    with pytest.raises(ValueError, match="string features \\['city'\\]"):
        space.get_inputs()


def test_end_to_end_model_on_raw_dicts_without_string_features(tmp_path):
    data, label = _structured_data()
    data = {"age": data["age"], "rooms": data["rooms"]}
    space = FeatureSpace({"age": "float_normalized", "rooms": "integer_categorical",
                          "bucket": "integer_hashed"}, crosses=[("rooms", "bucket")],
                         crossing_dim=8, hashing_dim=4)
    data["bucket"] = data["rooms"] * 3
    space.adapt(data)
    inputs, encoded = space.get_inputs(), space.get_encoded_features()
    outputs = layers.Dense(1, activation="sigmoid")(encoded)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    columns = {k: np.asarray(v)[:, None] for k, v in data.items()}
    model.fit(columns, label, epochs=1, batch_size=16, verbose=0)
    expected = _np(outputs_of(model, space(data)))
    np.testing.assert_allclose(model.predict(columns, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)
    path = str(tmp_path / "end_to_end.keras")
    model.save(path)
    reloaded = lamina.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(columns, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


def outputs_of(model, encoded):
    """The model's head (its last layer) applied to already-encoded features."""
    return model.layers[-1](encoded)


def test_config_round_trip_keeps_adapted_vocabularies():
    space = _tutorial_space(output_mode="concat", crossing_dim=16)
    space.adapt(RAW)
    config = space.get_config()
    assert [k for k in config if k != "name"] == [
        "features", "output_mode", "crosses", "crossing_dim", "hashing_dim",
        "num_discretization_bins"]
    clone = lamina.utils.deserialize_keras_object(lamina.utils.serialize_keras_object(space))
    assert clone.preprocessors["string_values"].get_vocabulary() == \
        space.preprocessors["string_values"].get_vocabulary()
    assert [c.name for c in clone.crosses] == ["string_values_X_int_values"]


def test_save_and_load_restores_normalization_statistics(tmp_path):
    space = _tutorial_space()
    space.adapt(RAW)
    path = str(tmp_path / "space.keras")
    space.save(path)
    reloaded = lamina.models.load_model(path)
    assert isinstance(reloaded, FeatureSpace)
    np.testing.assert_allclose(_np(reloaded(RAW)), _reference(RAW), rtol=1e-5, atol=1e-6)


def test_helper_defaults_and_preprocessor_names():
    space = FeatureSpace({"a": "integer_categorical", "b": "string_hashed"})
    assert isinstance(space.preprocessors["a"], layers.IntegerLookup)
    assert space.preprocessors["a"].name == "a_preprocessor"
    assert space.preprocessors["b"].num_bins == 32
    assert space.features["a"].dtype == "int32" and space.features["b"].dtype == "string"
    assert space.features["a"].output_mode == "one_hot"


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(features={"a": "floaty"}), ValueError, "unknown type 'floaty'"),
    (dict(features={}), ValueError, "non-empty dict"),
    (dict(features={"a": "float"}, output_mode="list"), ValueError, "`output_mode`"),
    (dict(features={"a": "float"}, crosses=[("a", "zzz")]), ValueError,
     "not in `features`"),
    (dict(features={"a": "float", "b": "float"}, crosses=[("a", "b")], crossing_dim=None),
     ValueError, "need `crossing_dim`"),
])
def test_bad_specs_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        FeatureSpace(**kwargs)


def test_bad_feature_and_cross_output_modes_are_refused():
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        FeatureSpace.integer_categorical(output_mode="multi_hot")
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        FeatureSpace.cross(("a", "b"), crossing_dim=4, output_mode="float")
    with pytest.raises(ValueError, match="num_bins - 1"):
        FeatureSpace.float_discretized(num_bins=4, bin_boundaries=[0.0])


def test_using_before_adapt_and_bad_data_are_refused():
    space = _tutorial_space()
    with pytest.raises(ValueError, match="call `.adapt"):
        space(RAW)
    with pytest.raises(TypeError, match="must be a dict of columns"):
        space.adapt(np.zeros(3))
    space.adapt(RAW)
    with pytest.raises(TypeError, match="call it on a dict"):
        space([1, 2])
    with pytest.raises(ValueError, match="no values for features"):
        space({"float_values": [1.0]})


def test_concat_refuses_unencoded_int_features():
    space = FeatureSpace({"i": FeatureSpace.integer_categorical(output_mode="int")})
    space.adapt({"i": [1, 2]})
    with pytest.raises(ValueError, match="cannot concatenate feature 'i'"):
        space({"i": [1]})


def test_one_hot_needs_integer_ids():
    space = FeatureSpace({"x": FeatureSpace.feature("float32", layers.Rescaling(2.0),
                                                    "one_hot")})
    with pytest.raises(ValueError, match="no known number of ids"):
        space({"x": [1.0]})


def test_custom_preprocessor_feature_with_text_vectorization():
    layer = layers.TextVectorization(output_mode="tf_idf")
    space = FeatureSpace({"text": FeatureSpace.feature(preprocessor=layer, dtype="string",
                                                       output_mode="float")})
    data = {"text": ["1st string", "2nd string", "3rd string"]}
    space.adapt(data)
    # idf = log(1 + documents / (1 + documents with the token)); vocabulary
    # [UNK], "string", then the rest in descending order.
    common, rare = np.log(1 + 3 / 4), np.log(1 + 3 / 2)
    expected = np.array([[0, common, 0, 0, rare], [0, common, 0, rare, 0],
                         [0, common, rare, 0, 0]])
    np.testing.assert_allclose(_np(space(data)), expected, rtol=1e-5)
