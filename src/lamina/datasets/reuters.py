"""Reuters: 11,228 newswires labelled with 46 topics, as word indices (``keras.datasets.reuters``).

The ``.npz`` file stores the newswires as an object array of lists, which numpy pickles; it
is read with the restricted unpickler (``_safe_pickle``), never with ``allow_pickle=True``.
"""

import json

import numpy as np

from lamina.datasets import _fetch
from lamina.datasets import _safe_pickle
from lamina.datasets import _splits
from lamina.datasets import _word_sequences

_ORIGIN_FOLDER = _fetch.TF_KERAS_DATASETS
_FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"  # sha256
_WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5, as Keras checks it

# The topic of each label index, in label order (the names Keras 3 gives).
_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
    "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
    "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
    "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
    "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(
    path="reuters.npz",
    num_words=None,
    skip_top=0,
    maxlen=None,
    test_split=0.2,
    seed=113,
    start_char=1,
    oov_char=2,
    index_from=3,
):
    """Load the Reuters newswires, split into training and test sets, each a word list.

    Each newswire is a list of word indices: a word's frequency rank plus ``index_from``,
    with index 0 left for padding, ``start_char`` at the start and ``oov_char`` for a word
    cut by ``num_words`` or ``skip_top``. The newswires are shuffled with ``seed``, then
    the last ``test_split`` of them form the test set.

    Args:
        path: the file's name in the cache, ``~/.keras/datasets/``. Defaults to
            ``"reuters.npz"``.
        num_words: keep the words whose index is below this; None (the default) keeps all
            but the largest index, as Keras does.
        skip_top: words whose index is below this become ``oov_char`` too. Defaults to 0.
        maxlen: drop the newswires of ``maxlen`` indices or more (start mark included);
            None (the default) keeps all.
        test_split: the fraction of newswires for the test set, in [0, 1].
            Defaults to 0.2.
        seed: the seed of the shuffle. Defaults to 113.
        start_char: the index put at the start of each newswire, or None for none.
            Defaults to 1.
        oov_char: the index that replaces cut words, or None to drop them. Defaults to 2.
        index_from: added to every word rank. Defaults to 3.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_train`` and ``x_test`` are 1-D object
        arrays of lists of ints; ``y_train`` and ``y_test`` int arrays of topic indices
        (0-45, named by ``get_label_names()``).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.reuters.load_data()
        >>> len(x_train), len(x_test)
        (8982, 2246)
    """
    if not 0 <= test_split <= 1:
        raise ValueError(
            f"reuters.load_data: test_split must be a fraction in [0, 1], got "
            f"test_split={test_split!r}. Use e.g. 0.2 to keep a fifth for testing."
        )
    local_path = _fetch.fetch(path, _ORIGIN_FOLDER + "reuters.npz", _FILE_HASH)
    arrays = _safe_pickle.load_npz(local_path)

    rng = np.random.RandomState(seed)
    sequences, labels = _word_sequences.shuffle_pairs(arrays["x"], arrays["y"], rng)
    sequences = _word_sequences.mark_and_shift(sequences, start_char, index_from)
    if maxlen:
        sequences, labels = _word_sequences.drop_long(sequences, labels, maxlen)
    sequences = _word_sequences.limit_vocabulary(sequences, num_words, skip_top, oov_char)
    cut = _splits.num_train(len(sequences), test_split)
    x_train = _word_sequences.to_object_array(sequences[:cut])
    x_test = _word_sequences.to_object_array(sequences[cut:])
    return (x_train, labels[:cut]), (x_test, labels[cut:])


def get_word_index(path="reuters_word_index.json"):
    """Load the dict from each word to its frequency rank in the Reuters data (1 = most frequent).

    In the sequences of ``load_data`` a word of rank ``r`` appears as ``r + index_from``
    (3 by default: 0 pads, 1 starts, 2 is out of vocabulary).

    Args:
        path: the file's name in the cache, ``~/.keras/datasets/``. Defaults to
            ``"reuters_word_index.json"``.

    Returns:
        A dict from word (str) to rank (int).

    Example:
        >>> lamina.datasets.reuters.get_word_index()["the"]
        1
    """
    local_path = _fetch.fetch(path, _ORIGIN_FOLDER + "reuters_word_index.json", _WORD_INDEX_HASH)
    with open(local_path, encoding="utf-8") as f:
        return json.load(f)


def get_label_names():
    """Return the 46 topic names, indexed by the labels ``load_data`` returns.

    Returns:
        A tuple of 46 strings (``"cocoa"``, ``"grain"``, ...).

    Example:
        >>> lamina.datasets.reuters.get_label_names()[3]
        'earn'
    """
    return _LABEL_NAMES
