"""pad_sequences: hand-worked cases, a pure-Python reference, and Keras 3 as an oracle."""

import numpy as np
import pytest

import lamina.preprocessing.sequence
from lamina.utils.sequence_utils import pad_sequences

SIDES = ("pre", "post")


def _reference_pad(sequences, maxlen=None, padding="pre", truncating="pre", value=0):
    """Lists of lists, one row per sequence, padded and truncated step by step."""
    if maxlen is None:
        maxlen = max(len(s) for s in sequences)
    rows = []
    for sequence in sequences:
        steps = list(sequence)
        if len(steps) > maxlen:
            steps = steps[len(steps) - maxlen:] if truncating == "pre" else steps[:maxlen]
        fill = [value] * (maxlen - len(steps))
        rows.append(fill + steps if padding == "pre" else steps + fill)
    return rows


def _ragged(rng, count=7, max_length=8, high=100):
    return [list(rng.integers(1, high, size=rng.integers(0, max_length + 1)))
            for _ in range(count)]


@pytest.fixture
def keras(monkeypatch):
    """Keras 3 on torch, as an oracle; the test is skipped where it is not installed."""
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


# -- hand-worked cases -------------------------------------------------------------------------
def test_pad_sequences_pads_before_by_default():
    np.testing.assert_array_equal(pad_sequences([[1], [2, 3], [4, 5, 6]]),
                                  [[0, 0, 1], [0, 2, 3], [4, 5, 6]])


def test_pad_sequences_pads_after_with_post():
    np.testing.assert_array_equal(pad_sequences([[1], [2, 3], [4, 5, 6]], padding="post"),
                                  [[1, 0, 0], [2, 3, 0], [4, 5, 6]])


def test_pad_sequences_drops_first_steps_when_truncating_pre():
    np.testing.assert_array_equal(pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2),
                                  [[0, 1], [2, 3], [5, 6]])


def test_pad_sequences_drops_last_steps_when_truncating_post():
    result = pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, truncating="post")
    np.testing.assert_array_equal(result, [[0, 1], [2, 3], [4, 5]])


def test_pad_sequences_pads_with_value():
    np.testing.assert_array_equal(pad_sequences([[7], [8, 9]], value=-1), [[-1, 7], [8, 9]])


def test_pad_sequences_pads_to_maxlen_longer_than_every_sequence():
    np.testing.assert_array_equal(pad_sequences([[1, 2]], maxlen=4, padding="post"),
                                  [[1, 2, 0, 0]])


def test_pad_sequences_returns_int32_numpy_by_default():
    result = pad_sequences([[1, 2], [3]])
    assert isinstance(result, np.ndarray)
    assert result.dtype == np.int32


def test_pad_sequences_uses_dtype():
    result = pad_sequences([[0.5, 1.5], [2.25]], dtype="float32", value=0.75)
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, [[0.5, 1.5], [0.75, 2.25]])


def test_pad_sequences_truncates_floats_toward_zero_for_int_dtype():
    np.testing.assert_array_equal(pad_sequences([[1.7, -2.5]]), [[1, -2]])


def test_pad_sequences_empty_sequence_is_all_padding():
    np.testing.assert_array_equal(pad_sequences([[], [1, 2]], value=5), [[5, 5], [1, 2]])


def test_pad_sequences_all_empty_gives_zero_columns():
    assert pad_sequences([[], []]).shape == (2, 0)


def test_pad_sequences_no_sequences_with_maxlen_gives_zero_rows():
    result = pad_sequences([], maxlen=3)
    assert result.shape == (0, 3)
    assert result.dtype == np.int32


def test_pad_sequences_maxlen_zero_gives_zero_columns():
    assert pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)


def test_pad_sequences_accepts_arrays_tuples_and_a_2d_array():
    expected = [[0, 1, 2], [3, 4, 5]]
    np.testing.assert_array_equal(pad_sequences([np.array([1, 2]), (3, 4, 5)]), expected)
    np.testing.assert_array_equal(pad_sequences(np.array([[1, 2], [3, 4]]), maxlen=3),
                                  [[0, 1, 2], [0, 3, 4]])


def test_pad_sequences_pads_strings_with_object_dtype():
    result = pad_sequences([["a"], ["bb", "ccc"]], dtype=object, value="<pad>")
    assert result.dtype == object
    assert result.tolist() == [["<pad>", "a"], ["bb", "ccc"]]


def test_pad_sequences_pads_strings_with_a_string_dtype():
    result = pad_sequences([["a"], ["bb", "c"]], dtype="U5", value="-", padding="post")
    assert result.tolist() == [["a", "-"], ["bb", "c"]]


def test_pad_sequences_keeps_the_shape_of_each_step():
    result = pad_sequences([[[1, 2]], [[3, 4], [5, 6]]])
    assert result.shape == (2, 2, 2)
    np.testing.assert_array_equal(result, [[[0, 0], [1, 2]], [[3, 4], [5, 6]]])


def test_pad_sequences_step_shape_comes_from_first_non_empty_sequence():
    result = pad_sequences([[], [[1.0, 2.0, 3.0]]], maxlen=2, dtype="float32", value=-1.0)
    assert result.shape == (2, 2, 3)
    np.testing.assert_array_equal(result[0], np.full((2, 3), -1.0))


def test_pad_sequences_is_exported_by_preprocessing_sequence():
    assert lamina.preprocessing.sequence.pad_sequences is pad_sequences


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["padding", "truncating"])
def test_pad_sequences_rejects_an_unknown_side(name):
    with pytest.raises(ValueError, match=rf"`{name}` must be 'pre' or 'post'\. "
                                         rf"Received: {name}='middle'"):
        pad_sequences([[1, 2, 3]], maxlen=2, **{name: "middle"})


def test_pad_sequences_rejects_an_unknown_side_even_for_empty_sequences():
    with pytest.raises(ValueError, match="`padding` must be 'pre' or 'post'"):
        pad_sequences([[]], padding="left")


def test_pad_sequences_rejects_a_string_value_with_a_numeric_dtype():
    with pytest.raises(ValueError, match=r"`value` is a string \('x'\) but `dtype` is "
                                         r"'int32'.*dtype=object"):
        pad_sequences([["a"]], value="x")


def test_pad_sequences_rejects_an_item_without_length():
    with pytest.raises(ValueError, match=r"Item 1 has no length: 5\. Wrap single values"):
        pad_sequences([[1], 5])


def test_pad_sequences_rejects_a_generator():
    with pytest.raises(ValueError, match=r"must be a sized collection.*list\(\.\.\.\)"):
        pad_sequences(([i] for i in range(3)))


def test_pad_sequences_rejects_steps_of_different_shapes():
    with pytest.raises(ValueError, match=r"Sequence 1 has steps of shape \(3,\), but the "
                                         r"first non-empty sequence has steps of shape \(2,\)"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_pad_sequences_needs_maxlen_for_no_sequences():
    with pytest.raises(ValueError, match=r"`sequences` is empty.*Pass `maxlen`"):
        pad_sequences([])


@pytest.mark.parametrize("maxlen", [-1, 2.5, "3"])
def test_pad_sequences_rejects_a_bad_maxlen(maxlen):
    with pytest.raises(ValueError, match=r"`maxlen` must be None or an int >= 0"):
        pad_sequences([[1]], maxlen=maxlen)


# -- parity ------------------------------------------------------------------------------------
@pytest.mark.parametrize("padding", SIDES)
@pytest.mark.parametrize("truncating", SIDES)
@pytest.mark.parametrize("maxlen", [None, 0, 3, 10])
def test_pad_sequences_matches_reference(padding, truncating, maxlen):
    sequences = _ragged(np.random.default_rng(0))
    expected = np.array(_reference_pad(sequences, maxlen, padding, truncating, value=-3),
                        dtype="int32")
    result = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating,
                           value=-3)
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("padding", SIDES)
@pytest.mark.parametrize("truncating", SIDES)
@pytest.mark.parametrize("maxlen", [None, 4])
@pytest.mark.parametrize("dtype", ["int32", "float32", "int64"])
def test_pad_sequences_matches_keras(keras, padding, truncating, maxlen, dtype):
    rng = np.random.default_rng(1)
    sequences = [list(rng.normal(size=rng.integers(0, 7)) * 10) for _ in range(9)]
    kwargs = dict(maxlen=maxlen, dtype=dtype, padding=padding, truncating=truncating,
                  value=1.5)
    expected = keras.utils.pad_sequences(sequences, **kwargs)
    result = pad_sequences(sequences, **kwargs)
    assert result.dtype == expected.dtype
    np.testing.assert_array_equal(result, expected)


def test_pad_sequences_matches_keras_on_strings_and_vector_steps(keras):
    words = [["a", "bb"], [], ["ccc", "d", "e"]]
    np.testing.assert_array_equal(
        pad_sequences(words, dtype=object, value="", padding="post"),
        keras.utils.pad_sequences(words, dtype=object, value="", padding="post"))
    vectors = [np.ones((2, 3)), np.zeros((0, 3)), np.arange(12.0).reshape(4, 3)]
    np.testing.assert_array_equal(
        pad_sequences(vectors, maxlen=3, dtype="float32"),
        keras.utils.pad_sequences(vectors, maxlen=3, dtype="float32"))
