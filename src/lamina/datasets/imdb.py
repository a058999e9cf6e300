"""IMDB: 50,000 movie reviews labelled by sentiment, as word indices (``keras.datasets.imdb``).

The ``.npz`` file stores the reviews as object arrays of lists, which numpy pickles; they
are read with the restricted unpickler (``_safe_pickle``), never with ``allow_pickle=True``.
"""

import json
import warnings

import numpy as np

from lamina.datasets import _fetch
from lamina.datasets import _safe_pickle
from lamina.datasets import _word_sequences

_ORIGIN_FOLDER = _fetch.TF_KERAS_DATASETS
_FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"  # sha256
_WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras checks it


def _legacy_num_words(num_words, kwargs, loader):
    """Read Keras 2's ``nb_words`` spelling of ``num_words``; refuse other extra arguments."""
    if "nb_words" in kwargs:
        warnings.warn(
            f"{loader}: `nb_words` is the Keras 1 name of `num_words`; use num_words=.",
            stacklevel=3,
        )
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(
            f"{loader} got unexpected keyword arguments {sorted(kwargs)}. It takes path, "
            "num_words, skip_top, maxlen, seed, start_char, oov_char and index_from."
        )
    return num_words


def load_data(
    path="imdb.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
    **kwargs,
):
    """Load the IMDB reviews: 25,000 for training and 25,000 for testing, each a word list.

    Each review is a list of word indices; a word's index is its frequency rank in the
    training set plus ``index_from`` (so with the defaults the most frequent word is 4),
    index 0 is left for padding, ``start_char`` marks each review's start and ``oov_char``
    stands for a word cut by ``num_words`` or ``skip_top``. Both splits are shuffled with
    ``seed``. Words seen only in the test set were removed when the file was made.

    Args:
        path: the file's name in the cache, ``~/.keras/datasets/``. Defaults to
            ``"imdb.npz"``.
        num_words: keep the words whose index is below this; None (the default) keeps all
            but the largest index, as Keras does.
        skip_top: words whose index is below this become ``oov_char`` too. Defaults to 0.
        maxlen: drop the reviews of ``maxlen`` indices or more (start mark included);
            None (the default) keeps all.
        seed: the seed of the shuffle. Defaults to 113.
        start_char: the index put at the start of each review, or None for none.
            Defaults to 1.
        oov_char: the index that replaces cut words, or None to drop them. Defaults to 2.
        index_from: added to every word rank. Defaults to 3.
        **kwargs: only Keras 1's ``nb_words`` (read as ``num_words``, with a warning).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` and ``x_test`` are 1-D object
        arrays of lists of ints; ``y_train`` and ``y_test`` int arrays of 0 (negative) and
        1 (positive).

    Raises:
        ValueError: ``maxlen`` leaves no review in one of the splits.

    Example:
        >>> (x_train, y_train), _ = lamina.datasets.imdb.load_data(num_words=10000)
        >>> x_train.shape, max(max(review) for review in x_train) < 10000
        ((25000,), True)
    """
    num_words = _legacy_num_words(num_words, kwargs, "imdb.load_data")
    local_path = _fetch.fetch(path, _ORIGIN_FOLDER + "imdb.npz", _FILE_HASH)
    arrays = _safe_pickle.load_npz(local_path)

    # One RandomState shuffles the training split, then the test split: Keras's order.
    rng = np.random.RandomState(seed)
    x_train, y_train = _word_sequences.shuffle_pairs(arrays["x_train"], arrays["y_train"], rng)
    x_test, y_test = _word_sequences.shuffle_pairs(arrays["x_test"], arrays["y_test"], rng)
    x_train = _word_sequences.mark_and_shift(x_train, start_char, index_from)
    x_test = _word_sequences.mark_and_shift(x_test, start_char, index_from)
    if maxlen:
        x_train, y_train = _word_sequences.drop_long(x_train, y_train, maxlen)
        x_test, y_test = _word_sequences.drop_long(x_test, y_test, maxlen)
        if not x_train or not x_test:
            raise ValueError(
                f"imdb.load_data: maxlen={maxlen} drops every review of the "
                f"{'training' if not x_train else 'test'} split (a review is kept when "
                "shorter than maxlen, start mark included). Increase maxlen."
            )
    # The vocabulary bound is computed over both splits together, as in Keras.
    sequences = _word_sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    cut = len(x_train)
    x_train = _word_sequences.to_object_array(sequences[:cut])
    x_test = _word_sequences.to_object_array(sequences[cut:])
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="imdb_word_index.json"):
    """Load the dict from each word to its frequency rank in the IMDB data (1 = most frequent).

    In the sequences of ``load_data`` a word of rank ``r`` appears as ``r + index_from``.

    Args:
        path: the file's name in the cache, ``~/.keras/datasets/``. Defaults to
            ``"imdb_word_index.json"``.

    Returns:
        A dict from word (str) to rank (int).

    Example:
        >>> index = lamina.datasets.imdb.get_word_index()
        >>> words = {rank + 3: word for word, rank in index.items()}  # index_from=3
        >>> text = " ".join(words.get(i, "?") for i in x_train[0][1:])
    """
    local_path = _fetch.fetch(path, _ORIGIN_FOLDER + "imdb_word_index.json", _WORD_INDEX_HASH)
    with open(local_path, encoding="utf-8") as f:
        return json.load(f)
