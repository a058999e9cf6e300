"""imdb and reuters: word-index sequences against a plain-Python reference of Keras's rules.

The reference spells the rules out one sample at a time: shuffle with RandomState(seed),
prefix start_char, add index_from, drop sequences of maxlen or more, then keep words in
[skip_top, num_words) and replace (or drop, when oov_char is None) the others; with
num_words=None the bound is the largest index seen (exclusive, as Keras).
"""

import numpy as np
import pytest

from lamina.datasets import imdb
from lamina.datasets import reuters

from . import dataset_files
from .local_server import md5


def _reference_prepare(sequences, labels, rng, start_char, index_from, maxlen):
    order = np.arange(len(sequences))
    rng.shuffle(order)
    kept, kept_labels = [], []
    for i in order:
        sequence = [] if start_char is None else [start_char]
        sequence += [word + index_from for word in sequences[i]]
        if maxlen and len(sequence) >= maxlen:
            continue
        kept.append(sequence)
        kept_labels.append(int(labels[i]))
    return kept, kept_labels


def _reference_vocabulary(sequences, num_words, skip_top, oov_char):
    bound = num_words or max(word for sequence in sequences for word in sequence)
    result = []
    for sequence in sequences:
        new = []
        for word in sequence:
            if skip_top <= word < bound:
                new.append(word)
            elif oov_char is not None:
                new.append(oov_char)
        result.append(new)
    return result


_OPTIONS = {
    "seed": 113, "num_words": None, "skip_top": 0, "maxlen": None,
    "start_char": 1, "oov_char": 2, "index_from": 3,
}
_GRID = [
    {},
    {"num_words": 10, "skip_top": 5},
    {"num_words": 10, "oov_char": None},
    {"start_char": None, "index_from": 0},
    {"start_char": None, "index_from": 5, "skip_top": 7},
    {"maxlen": 6},
    {"seed": 7, "num_words": 12, "maxlen": 8},
]


def _name(options):
    return ",".join(f"{key}={value}" for key, value in options.items()) or "defaults"


def _as_lists(x):
    assert isinstance(x, np.ndarray) and x.dtype == object and x.ndim == 1
    return [list(sequence) for sequence in x]


# -- imdb --------------------------------------------------------------------------------------
@pytest.fixture
def imdb_arrays(publish):
    data, arrays = dataset_files.imdb_file()
    publish(imdb, "imdb.npz", data)
    return arrays


@pytest.mark.parametrize("options", _GRID, ids=_name)
def test_imdb_sequences_follow_the_reference(imdb_arrays, options):
    o = {**_OPTIONS, **options}
    (x_train, y_train), (x_test, y_test) = imdb.load_data(**o)
    rng = np.random.RandomState(o["seed"])
    prepared = [
        _reference_prepare(imdb_arrays[f"x_{split}"], imdb_arrays[f"y_{split}"], rng,
                           o["start_char"], o["index_from"], o["maxlen"])
        for split in ("train", "test")
    ]
    (ref_x_train, ref_y_train), (ref_x_test, ref_y_test) = prepared
    ref_x = _reference_vocabulary(ref_x_train + ref_x_test, o["num_words"], o["skip_top"],
                                  o["oov_char"])
    assert _as_lists(x_train) == ref_x[: len(ref_x_train)]
    assert _as_lists(x_test) == ref_x[len(ref_x_train):]
    assert y_train.tolist() == ref_y_train and y_test.tolist() == ref_y_test
    assert y_train.dtype == np.int64


def test_imdb_words_are_python_ints(imdb_arrays):
    (x_train, _), _ = imdb.load_data()
    assert all(type(word) is int for word in x_train[0])


def test_imdb_maxlen_that_keeps_nothing_raises(imdb_arrays):
    with pytest.raises(ValueError, match="maxlen=2 drops every review.*Increase maxlen"):
        imdb.load_data(maxlen=2)


def test_imdb_reads_keras_1_nb_words_with_a_warning(imdb_arrays):
    with pytest.warns(UserWarning, match="nb_words"):
        (legacy, _), _ = imdb.load_data(nb_words=8)
    (current, _), _ = imdb.load_data(num_words=8)
    assert _as_lists(legacy) == _as_lists(current)


def test_imdb_refuses_unknown_keyword_arguments(imdb_arrays):
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['num_word'\]"):
        imdb.load_data(num_word=8)


def test_imdb_get_word_index_checks_md5_and_caches(publish, server):
    data, index = dataset_files.word_index_file()
    publish(imdb, "imdb_word_index.json", data, hash_attr="_WORD_INDEX_HASH", digest=md5)
    assert imdb.get_word_index() == index
    assert imdb.get_word_index() == index
    assert server.requests["imdb_word_index.json"] == 1


def test_imdb_keeps_keras_default_hashes():
    assert imdb._FILE_HASH == "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
    assert imdb._WORD_INDEX_HASH == "bfafd718b763782e994055a2d397834f"


# -- reuters -----------------------------------------------------------------------------------
@pytest.fixture
def reuters_arrays(publish):
    data, arrays = dataset_files.reuters_file()
    publish(reuters, "reuters.npz", data)
    return arrays


@pytest.mark.parametrize("test_split", [0.2, 0.5, 0.0])
@pytest.mark.parametrize("options", _GRID, ids=_name)
def test_reuters_sequences_follow_the_reference(reuters_arrays, options, test_split):
    o = {**_OPTIONS, **options}
    (x_train, y_train), (x_test, y_test) = reuters.load_data(test_split=test_split, **o)
    ref_x, ref_y = _reference_prepare(reuters_arrays["x"], reuters_arrays["y"],
                                      np.random.RandomState(o["seed"]), o["start_char"],
                                      o["index_from"], o["maxlen"])
    ref_x = _reference_vocabulary(ref_x, o["num_words"], o["skip_top"], o["oov_char"])
    cut = int(len(ref_x) * (1 - test_split))
    assert _as_lists(x_train) == ref_x[:cut] and _as_lists(x_test) == ref_x[cut:]
    assert y_train.tolist() == ref_y[:cut] and y_test.tolist() == ref_y[cut:]


def test_reuters_refuses_a_test_split_outside_zero_one(server):
    with pytest.raises(ValueError, match=r"test_split must be a fraction in \[0, 1\]"):
        reuters.load_data(test_split=1.5)
    assert not server.requests


def test_reuters_get_word_index_checks_md5(publish):
    data, index = dataset_files.word_index_file(("said", "the"))
    publish(reuters, "reuters_word_index.json", data, hash_attr="_WORD_INDEX_HASH", digest=md5)
    assert reuters.get_word_index() == index


def test_reuters_label_names_are_the_46_topics():
    names = reuters.get_label_names()
    assert len(names) == 46 and len(set(names)) == 46
    assert (names[0], names[3], names[45]) == ("cocoa", "earn", "lead")
