"""``pad_sequences``: turn a ragged list of sequences into one rectangular NumPy array.

This is plain NumPy and never touches the engine, so it runs in data pipelines before any
tensor exists. Masking the padding inside a model is the job of ``layers.Masking`` or an
``Embedding`` with ``mask_zero=True``, not of this module.
"""

import numbers

import numpy as np

_SIDES = ("pre", "post")

_STRING_VALUE_NEEDS_STRING_DTYPE = (
    "pad_sequences: `value` is a string ({value!r}) but `dtype` is {dtype!r}, which cannot "
    "hold strings. Pass dtype=object to pad variable-length strings (or a NumPy string dtype "
    "such as 'U10'), or pass a number as `value`."
)


def _check_side(name, side):
    if side not in _SIDES:
        raise ValueError(
            f"pad_sequences: `{name}` must be 'pre' or 'post'. Received: {name}={side!r}."
        )


def _can_hold_strings(dtype):
    # NumPy's unicode ("U"), bytes ("S") and object ("O") kinds hold strings. Keras accepts
    # the same kinds but only the `object` type itself, not the spelling "object"; lamina
    # takes both spellings.
    try:
        return np.dtype(dtype).kind in "USO"
    except TypeError:
        return False


def _lengths_and_sample_shape(sequences):
    """Each sequence's length, and the shape of one step taken from the first non-empty
    sequence (``()`` for sequences of scalars, ``(3,)`` for sequences of 3-vectors)."""
    lengths = []
    sample_shape = None
    for position, sequence in enumerate(sequences):
        try:
            length = len(sequence)
        except TypeError:
            raise ValueError(
                "pad_sequences: `sequences` must be a list of sequences (lists, tuples or "
                f"arrays). Item {position} has no length: {sequence!r}. Wrap single "
                "values in a list, e.g. [[1], [2, 3]]."
            ) from None
        lengths.append(length)
        if sample_shape is None and length:
            sample_shape = np.asarray(sequence).shape[1:]
    return lengths, (sample_shape if sample_shape is not None else ())


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (or cut) each sequence to one length and stack them into a NumPy array.

    Sequences shorter than ``maxlen`` get ``value`` added on the ``padding`` side; longer
    ones lose steps on the ``truncating`` side. Steps may themselves be arrays (all of the
    same shape), in which case the result has that shape as trailing axes.

    Args:
        sequences: a list (or other sized collection) of sequences; each is a list, tuple
            or array of steps. Empty sequences become rows of ``value`` only.
        maxlen: the length of every output row. None (default) uses the longest sequence.
        dtype: the dtype of the result, ``"int32"`` by default. Values are converted to it
            (floats are truncated toward zero for integer dtypes). Use ``object`` or a NumPy
            string dtype for sequences of strings.
        padding: ``"pre"`` (default) puts the padding before each sequence, ``"post"``
            after it.
        truncating: ``"pre"`` (default) drops the first steps of a too-long sequence,
            ``"post"`` drops the last ones.
        value: the padding value, ``0.0`` by default (a string needs a string or object
            ``dtype``).

    Returns:
        A NumPy array of shape ``(len(sequences), maxlen) + step_shape`` and dtype ``dtype``.

    Example:
        >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post")
        array([[1, 0],
               [2, 3],
               [5, 6]], dtype=int32)
    """
    # Keras checks the two sides only when it meets a non-empty sequence; checking them
    # first gives the same error for bad calls and also catches typos on all-empty input.
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            "pad_sequences: `sequences` must be a sized collection such as a list. "
            f"Received an object of type {type(sequences).__name__}. Convert a generator "
            "with list(...) first."
        )
    lengths, sample_shape = _lengths_and_sample_shape(sequences)
    if maxlen is None:
        if not lengths:
            raise ValueError(
                "pad_sequences: `sequences` is empty, so `maxlen` cannot be taken from the "
                "longest sequence. Pass `maxlen` explicitly to get an array of shape "
                "(0, maxlen)."
            )
        maxlen = max(lengths)
    elif (not isinstance(maxlen, numbers.Integral) or isinstance(maxlen, bool)
          or maxlen < 0):
        raise ValueError(
            f"pad_sequences: `maxlen` must be None or an int >= 0. Received: maxlen={maxlen!r}."
        )
    maxlen = int(maxlen)
    if isinstance(value, str) and not _can_hold_strings(dtype):
        raise ValueError(_STRING_VALUE_NEEDS_STRING_DTYPE.format(value=value, dtype=dtype))

    out = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for row, (sequence, length) in enumerate(zip(sequences, lengths)):
        if not length:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"pad_sequences: every step must have the same shape. Sequence {row} has "
                f"steps of shape {kept.shape[1:]}, but the first non-empty sequence has "
                f"steps of shape {sample_shape}. Reshape the steps so they match."
            )
        if padding == "pre":
            out[row, maxlen - len(kept):] = kept
        else:
            out[row, :len(kept)] = kept
    return out
