"""StringLookup and TextVectorization: hand-computed and Keras-documented vocabularies and
indices (adapt order, OOV, mask, invert, encodings), config and .keras round trips, errors.

Keras's own layers need TensorFlow, so the expectations are worked out by hand or taken
from the examples in Keras's documentation."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers import StringLookup
from lamina.layers import TextVectorization

VOCAB = ["a", "b", "c", "d"]


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _round_trip(layer, tmp_path):
    """Save ``layer`` in a .keras file (inside a Sequential) and load it back."""
    path = tmp_path / "text.keras"
    lamina.Sequential([layer]).save(path)
    return lamina.models.load_model(path).layers[0]


# -- StringLookup ---------------------------------------------------------------------------
def test_string_lookup_maps_vocabulary_and_oov():
    layer = StringLookup(vocabulary=VOCAB)
    out = layer([["a", "c", "d"], ["d", "z", "b"]])
    np.testing.assert_array_equal(_np(out), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    assert layer.vocabulary_size() == 5


def test_string_lookup_accepts_bytes_and_numpy_arrays():
    layer = StringLookup(vocabulary=VOCAB)
    np.testing.assert_array_equal(_np(layer(np.array([b"b", b"q"]))), [2, 0])
    np.testing.assert_array_equal(_np(layer(np.array([["c"], ["a"]]))), [[3], [1]])
    assert int(_np(layer("d"))) == 4


def test_string_lookup_adapt_orders_by_count_then_descending_token():
    layer = StringLookup()
    layer.adapt(np.array([["a", "c", "d"], ["d", "z", "b"]]))
    # Keras's documented result: "d" twice, then the rest from high to low.
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["d", "z", "c", "b", "a"]


def test_string_lookup_adapt_respects_max_tokens():
    layer = StringLookup(max_tokens=3)
    layer.adapt(["x", "y", "y", "z", "z", "z"])
    assert layer.get_vocabulary() == ["[UNK]", "z", "y"]


def test_string_lookup_several_oov_indices_hash_like_keras():
    layer = StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    out = layer([["a", "c", "d"], ["m", "z", "b"]])
    # Keras's documented output: FarmHash puts "m" in bucket 0 and "z" in bucket 1.
    np.testing.assert_array_equal(_np(out), [[2, 4, 5], [0, 1, 3]])


def test_string_lookup_mask_token_takes_index_zero():
    layer = StringLookup(vocabulary=VOCAB, mask_token="[MASK]")
    out = layer([["a", "[MASK]", "z"]])
    np.testing.assert_array_equal(_np(out), [[2, 0, 1]])
    assert layer.get_vocabulary()[:2] == ["[MASK]", "[UNK]"]


def test_string_lookup_invert_maps_indices_back_to_strings():
    layer = StringLookup(vocabulary=VOCAB, invert=True)
    out = layer(np.array([[1, 3, 4], [4, 0, 2]]))
    assert out.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    masked = StringLookup(vocabulary=VOCAB, mask_token="", invert=True)
    assert masked(np.array([0, 1, 2, 9])).tolist() == ["", "[UNK]", "a", "[UNK]"]


def test_string_lookup_inverse_of_forward_lookup():
    forward = StringLookup(vocabulary=VOCAB)
    inverse = StringLookup(vocabulary=VOCAB, invert=True)
    tokens = np.array([["b", "d"], ["a", "c"]])
    assert inverse(_np(forward(tokens))).tolist() == tokens.tolist()


@pytest.mark.parametrize("mode,expected", [
    ("one_hot", [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0]]),
    ("multi_hot", [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]),
    ("count", [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]),
])
def test_string_lookup_encodings(mode, expected):
    layer = StringLookup(vocabulary=VOCAB, output_mode=mode)
    data = [["a"], ["d"], ["z"]] if mode == "one_hot" else \
        [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    np.testing.assert_array_equal(_np(layer(data)), expected)


def test_string_lookup_tf_idf_with_given_weights():
    layer = StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    out = layer([["a", "c", "d", "d"], ["d", "z", "b", "z"]])
    # OOV weight is the mean weight (0.5), as Keras documents.
    np.testing.assert_allclose(_np(out), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]],
                               rtol=1e-6)


def test_string_lookup_tf_idf_adapt_learns_document_frequencies():
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "b"], ["a", "c"]])
    assert layer.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    weights = np.log(1 + 2 / (1 + np.array([2.0, 1.0, 1.0])))
    out = _np(layer([["a", "b", "b"]]))
    np.testing.assert_allclose(out[0, 1:], [weights[0], 0, 2 * weights[2]], rtol=1e-6)


def test_string_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    layer = StringLookup(vocabulary=str(path))
    np.testing.assert_array_equal(_np(layer(["c", "a", "q"])), [3, 1, 0])


def test_string_lookup_config_round_trip_keeps_adapted_vocabulary(tmp_path):
    layer = StringLookup(num_oov_indices=2, mask_token="")
    layer.adapt(["x", "y", "y"])
    config = layer.get_config()
    assert "vocabulary_dtype" not in config and config["encoding"] == "utf-8"
    assert config["vocabulary"] == ["y", "x"]
    data = [["y", "", "x", "w"]]
    expected = _np(layer(data))
    for clone in (StringLookup.from_config(config), _round_trip(layer, tmp_path)):
        assert clone.get_vocabulary() == layer.get_vocabulary()
        np.testing.assert_array_equal(_np(clone(data)), expected)


def test_string_lookup_tf_idf_keras_file_round_trip(tmp_path):
    layer = StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "b"], ["a", "c"], ["c", "c"]])
    loaded = _round_trip(layer, tmp_path)
    np.testing.assert_allclose(_np(loaded([["a", "c", "q"]])), _np(layer([["a", "c", "q"]])))


def test_string_lookup_does_not_support_jit():
    assert StringLookup(vocabulary=VOCAB).supports_jit is False


def test_string_lookup_errors_are_clear():
    with pytest.raises(ValueError, match="every input must be in the vocabulary"):
        StringLookup(vocabulary=VOCAB, num_oov_indices=0)(["a", "q"])
    with pytest.raises(TypeError, match="expected string inputs"):
        StringLookup(vocabulary=VOCAB)(np.array([1, 2]))
    with pytest.raises(TypeError, match="must be integer indices"):
        StringLookup(vocabulary=VOCAB, invert=True)(["a"])
    with pytest.raises(ValueError, match="must not repeat a token"):
        StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        StringLookup(output_mode="bag")
    with pytest.raises(ValueError, match="cannot be adapted"):
        StringLookup(vocabulary=VOCAB).adapt(["a"])
    with pytest.raises(RuntimeError, match="needs the vocabulary size"):
        StringLookup(output_mode="multi_hot")(["a"])


# -- TextVectorization ------------------------------------------------------------------------
def test_text_vectorization_keras_documented_adapt_example():
    layer = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    np.testing.assert_array_equal(_np(layer([["foo qux bar"], ["qux baz"]])),
                                  [[4, 1, 3, 0], [1, 2, 0, 0]])


def test_text_vectorization_keras_documented_vocabulary_example():
    layer = TextVectorization(output_mode="int", output_sequence_length=4,
                              vocabulary=["earth", "wind", "and", "fire"])
    assert layer.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert layer.vocabulary_size() == 6


@pytest.mark.parametrize("standardize,expected", [
    ("lower_and_strip_punctuation", ["hello", "world"]),
    ("lower", ["hello,", "world!"]),
    ("strip_punctuation", ["Hello", "WORLD"]),
    (None, ["Hello,", "WORLD!"]),
])
def test_text_vectorization_standardize_modes(standardize, expected):
    layer = TextVectorization(standardize=standardize)
    layer.adapt(["Hello, WORLD!"])
    assert sorted(layer.get_vocabulary(include_special_tokens=False)) == sorted(expected)


def test_text_vectorization_callable_standardize_gets_numpy_strings():
    seen = []

    def upper(texts):
        seen.append(type(texts))
        return np.char.upper(texts)

    layer = TextVectorization(standardize=upper, vocabulary=["AB", "C"])
    np.testing.assert_array_equal(_np(layer(["ab c x"])), [[2, 3, 1]])
    assert seen == [np.ndarray]


def test_text_vectorization_splits_on_characters_and_callables():
    chars = TextVectorization(split="character", standardize=None, vocabulary=["a", "b"])
    np.testing.assert_array_equal(_np(chars(["ab", "bxa"])), [[2, 3, 0], [3, 1, 2]])
    comma = TextVectorization(split=lambda texts: [t.split(",") for t in texts],
                              vocabulary=["x", "y"], standardize=None)
    np.testing.assert_array_equal(_np(comma(["x,y", "y"])), [[2, 3], [3, 0]])
    whole = TextVectorization(split=None, vocabulary=["new york", "paris"])
    np.testing.assert_array_equal(_np(whole(["Paris", "new york", "rome"])), [3, 2, 1])


def test_text_vectorization_whitespace_split_collapses_runs():
    layer = TextVectorization(vocabulary=["a", "b"])
    np.testing.assert_array_equal(_np(layer(["  a \t\n b  "])), [[2, 3]])


def test_text_vectorization_ngrams_in_width_order():
    layer = TextVectorization(ngrams=2)
    layer.adapt(["a b c"])
    # Counts are all 1, so tokens sort from high to low.
    assert layer.get_vocabulary(include_special_tokens=False) == ["c", "b c", "b", "a b", "a"]
    np.testing.assert_array_equal(_np(layer(["a b c"])), [[6, 4, 2, 5, 3]])
    widths = TextVectorization(ngrams=(2,), vocabulary=["a b"])
    np.testing.assert_array_equal(_np(widths(["a b a"])), [[2, 1]])


@pytest.mark.parametrize("length,expected", [
    (None, [[2, 3, 4], [3, 0, 0]]),
    (2, [[2, 3], [3, 0]]),
    (5, [[2, 3, 4, 0, 0], [3, 0, 0, 0, 0]]),
])
def test_text_vectorization_pads_and_truncates(length, expected):
    layer = TextVectorization(vocabulary=["a", "b", "c"], output_sequence_length=length)
    np.testing.assert_array_equal(_np(layer(["a b c", "b"])), expected)


@pytest.mark.parametrize("mode,expected", [
    ("multi_hot", [[1, 1, 0, 1], [0, 0, 1, 0]]),
    ("count", [[1, 2, 0, 1], [0, 0, 1, 0]]),
])
def test_text_vectorization_bag_of_words_modes(mode, expected):
    layer = TextVectorization(output_mode=mode)
    layer.adapt(["b a", "b c"])
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    out = layer(["a b z b", "c"])
    assert lamina.backend.standardize_dtype(out.dtype) == lamina.backend.floatx()
    np.testing.assert_array_equal(_np(out), expected)


def test_text_vectorization_tf_idf():
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(["b a", "b c"])
    idf = {"b": np.log(1 + 2 / 3), "c": np.log(2.0), "a": np.log(2.0)}
    mean = np.mean(list(idf.values()))
    out = _np(layer(["b a a z"]))
    np.testing.assert_allclose(out, [[mean, idf["b"], 0, 2 * idf["a"]]], rtol=1e-6)


def test_text_vectorization_set_vocabulary_and_max_tokens():
    layer = TextVectorization(max_tokens=4)
    layer.adapt(["a a a b b c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b"]
    layer.set_vocabulary(["x", "y"])
    np.testing.assert_array_equal(_np(layer(["y x a"])), [[3, 2, 1]])


def test_text_vectorization_keras_file_round_trip_keeps_adapted_vocabulary(tmp_path):
    layer = TextVectorization(output_sequence_length=3, ngrams=2)
    layer.adapt(["the cat", "the dog"])
    loaded = _round_trip(layer, tmp_path)
    assert loaded.get_vocabulary() == layer.get_vocabulary()
    assert loaded.get_config() == TextVectorization.from_config(layer.get_config()).get_config()
    np.testing.assert_array_equal(_np(loaded(["the dog the"])), _np(layer(["the dog the"])))


def test_text_vectorization_tf_idf_keras_file_round_trip(tmp_path):
    layer = TextVectorization(output_mode="tf_idf")
    layer.adapt(["a b", "b c", "c"])
    loaded = _round_trip(layer, tmp_path)
    np.testing.assert_allclose(_np(loaded(["a c q"])), _np(layer(["a c q"])), rtol=1e-6)


def test_text_vectorization_registered_callables_round_trip(tmp_path):
    @lamina.saving.register_keras_serializable(package="TextLookupTests")
    def reverse_words(texts):
        return np.array([" ".join(t.split()[::-1]) for t in texts.reshape(-1)]).reshape(
            texts.shape)

    layer = TextVectorization(standardize=reverse_words, vocabulary=["a", "b"],
                              output_sequence_length=2)
    loaded = _round_trip(layer, tmp_path)
    np.testing.assert_array_equal(_np(loaded(["a b"])), [[3, 2]])


def test_text_vectorization_errors_are_clear():
    with pytest.raises(ValueError, match="`standardize` must be one of"):
        TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="`split` must be one of"):
        TextVectorization(split="comma")
    with pytest.raises(ValueError, match="`ngrams` must be"):
        TextVectorization(ngrams="2")
    with pytest.raises(ValueError, match="applies only to"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ragged"):
        TextVectorization(ragged=True)
    with pytest.raises(ValueError, match=r"shaped \(batch,\) or \(batch, 1\)"):
        TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="expected strings"):
        TextVectorization(vocabulary=["a"])(ops.ones((2, 1)))
    with pytest.raises(ValueError, match="cannot be adapted"):
        TextVectorization(vocabulary=["a"]).adapt(["a"])
