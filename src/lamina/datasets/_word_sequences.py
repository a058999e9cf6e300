"""Word-index sequences as the IMDB and Reuters loaders return them.

Both datasets store each text as a list of word ranks (1 = the most frequent word). The
loaders shuffle them, mark each start, shift the ranks to leave room for the reserved
indices, drop long texts and cap the vocabulary; each step is here, in Keras's order, so
the two loaders give what Keras gives for the same arguments.
"""

import numpy as np


def shuffle_pairs(sequences, labels, rng):
    """Shuffle ``sequences`` and ``labels`` together with ``rng`` (a ``RandomState``).

    Example:
        >>> x, y = shuffle_pairs(x, y, np.random.RandomState(113))
    """
    # Equal to Keras's in-place shuffle of np.arange(n) (see _splits.shuffled_indices).
    indices = rng.permutation(len(sequences))
    return sequences[indices], labels[indices]


def mark_and_shift(sequences, start_char, index_from):
    """Prefix each sequence with ``start_char`` (unless None) and add ``index_from`` to ranks.

    Args:
        sequences: an iterable of sequences of word ranks.
        start_char: the index that marks a sequence's start, or None for no mark.
        index_from: added to every word rank, so ranks start at ``index_from + 1``.

    Returns:
        A list of lists of ints.

    Example:
        >>> mark_and_shift([[1, 5]], start_char=1, index_from=3)
        [[1, 4, 8]]
    """
    start = [] if start_char is None else [start_char]
    return [start + [word + index_from for word in sequence] for sequence in sequences]


def drop_long(sequences, labels, maxlen):
    """Keep the sequences shorter than ``maxlen`` (strictly, as Keras) and their labels.

    Args:
        sequences: a list of lists (after ``mark_and_shift``, so the start mark counts).
        labels: an array of labels, one per sequence.
        maxlen: the length limit.

    Returns:
        ``(sequences, labels)``: a list, and an array of the labels' dtype.

    Example:
        >>> drop_long([[1, 2], [1, 2, 3]], np.array([0, 1]), maxlen=3)
        ([[1, 2]], array([0]))
    """
    kept = [i for i, sequence in enumerate(sequences) if len(sequence) < maxlen]
    return [sequences[i] for i in kept], np.asarray(labels)[np.asarray(kept, dtype="int64")]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Replace (or drop) the words outside ``skip_top <= index < num_words``.

    Args:
        sequences: a list of lists of word indices.
        num_words: the exclusive upper bound; None (or 0) means the largest index seen.
        skip_top: the inclusive lower bound.
        oov_char: what replaces a word outside the range; None drops such words.

    Returns:
        A list of lists of ints.

    Example:
        >>> limit_vocabulary([[1, 5, 9]], num_words=6, skip_top=0, oov_char=2)
        [[1, 5, 2]]
    """
    if not num_words:
        # Keras bounds by the largest index with a strict `<`, so even with num_words=None
        # the single largest index becomes oov_char; kept so the data equals Keras's.
        num_words = max((max(sequence) for sequence in sequences if sequence), default=0)
    if oov_char is None:
        return [[w for w in sequence if skip_top <= w < num_words] for sequence in sequences]
    return [
        [w if skip_top <= w < num_words else oov_char for w in sequence]
        for sequence in sequences
    ]


def to_object_array(sequences):
    """A 1-D object array holding one list per sequence.

    ``np.array(list_of_lists, dtype=object)`` would make a 2-D array whenever all the lists
    happen to have the same length; filling an empty array keeps the shape ``(n,)``.

    Example:
        >>> to_object_array([[1, 2], [3, 4]]).shape
        (2,)
    """
    array = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        array[i] = sequence
    return array
