"""``StringLookup``: string tokens to contiguous vocabulary indices (or back), optionally
encoded as one-hot, multi-hot, count or TF-IDF vectors.

The vocabulary, adapt, saving and encoding logic is ``IntegerLookup``'s; this module only
swaps the token type. Strings have no tensor form on torch or JAX, so, like Keras on those
backends, the lookup runs on the host: a dict from token to index over NumPy arrays. The
layer therefore declares ``supports_jit = False``; use it eagerly or in the input pipeline.
"""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.layers.preprocessing import category_encoding
from lamina.layers.preprocessing import hashing
from lamina.layers.preprocessing import integer_lookup

_NOT_STRINGS = (
    'StringLookup layer "{name}": expected string inputs (str or bytes, in a list or NumPy '
    "array), received {kind}. Pass the raw strings; with invert=True pass integer indices."
)
_TRACED = (
    'StringLookup layer "{name}" looks strings up on the host and cannot run inside a '
    "compiled step or on symbolic tensors (lamina tensors cannot hold strings). Apply it to "
    "the data before the model, or with invert=True call it eagerly."
)


def as_text(values, encoding="utf-8"):
    """``values`` as a NumPy array of Python ``str`` (bytes decoded with ``encoding``).

    Args:
        values: a str, bytes, or a (nested) list / NumPy array of them.
        encoding: how bytes are decoded (default ``"utf-8"``).

    Returns:
        A NumPy array of dtype ``str`` with the input's shape.

    Example:
        >>> as_text([b"a", "b"]).tolist()
        ['a', 'b']
    """
    array = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) \
        else values
    if array.dtype.kind == "U":
        return array
    if array.dtype.kind == "S":
        return np.char.decode(array, encoding)
    if array.dtype.kind != "O":
        raise TypeError(_NOT_STRINGS.format(name="?", kind=f"dtype {array.dtype}"))
    flat = [v.decode(encoding) if isinstance(v, bytes) else v for v in array.reshape(-1)]
    if not all(isinstance(v, str) for v in flat):
        kinds = sorted({type(v).__name__ for v in flat if not isinstance(v, str)})
        raise TypeError(_NOT_STRINGS.format(name="?", kind=", ".join(kinds)))
    return np.array(flat, dtype=str).reshape(array.shape)


class StringLookup(integer_lookup.IntegerLookup):
    """Maps strings to indices in a vocabulary, which is given or learned by
    :meth:`adapt` (most frequent tokens first, ties by descending token).

    In ``"int"`` mode the index layout is: the mask token (if any) at 0, then
    ``num_oov_indices`` out-of-vocabulary (OOV) indices, then the vocabulary. In the
    encoded modes the mask slot is left out and mask tokens in the input are dropped. With
    several OOV indices a token's OOV index is the FarmHash fingerprint of its bytes (SipHash
    keyed by ``salt`` when given) modulo ``num_oov_indices``, as in Keras.

    The lookup runs on the host (``supports_jit = False``): call it on lists or NumPy arrays
    of ``str`` / ``bytes``. Indices come back as an int64 tensor (or encoded vectors);
    ``invert=True`` returns a NumPy array of ``str``.

    Args:
        max_tokens: the largest vocabulary ``adapt`` may learn, mask and OOV indices
            included (None: no limit).
        num_oov_indices: how many OOV indices (default 1); 0 makes OOV inputs an error.
        mask_token: a string meaning "padding", or None (default).
        oov_token: what ``invert=True`` returns for OOV indices (default ``"[UNK]"``).
        vocabulary: a list or 1-D array of strings, or the path of a text file with one
            token per line. Mask and OOV tokens may lead it, in layout order.
        idf_weights: ``"tf_idf"`` only: one weight per vocabulary token.
        invert: map indices back to strings (``"int"`` mode only).
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or
            ``"tf_idf"``, as for ``IntegerLookup``.
        pad_to_max_tokens: encoded modes: make the output width ``max_tokens``.
        sparse: must stay False (sparse outputs exist on TensorFlow only).
        encoding: how bytes inputs are decoded (default ``"utf-8"``).
        salt: an int or a pair of ints keying SipHash for the OOV buckets.

    Returns:
        Indices shaped like the input, strings (``invert``), or encoded vectors.

    Example:
        >>> layer = lamina.layers.StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer([["a", "c", "d"], ["d", "z", "b"]])  # [[1, 3, 4], [4, 0, 2]]
    """

    vocabulary_dtype = "string"
    _token_dtype = str

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None,
                 salt=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)  # strings have only one dtype
        self.encoding = encoding
        if isinstance(mask_token, bytes):
            mask_token = mask_token.decode(encoding)
        if isinstance(oov_token, bytes):
            oov_token = oov_token.decode(encoding)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype="string", idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, name=name, salt=salt, **kwargs)
        self.supports_jit = False

    # -- token hooks ----------------------------------------------------------------------
    def _as_tokens(self, values, what):
        if backend.is_tensor(values) or isinstance(values, backend.BaseVariable):
            raise TypeError(
                f'{self._label}: {what} must be strings; received a tensor of dtype '
                f"{backend.standardize_dtype(values.dtype)}."
            )
        try:
            return as_text(values, self.encoding).reshape(-1)
        except TypeError:
            raise TypeError(
                f"{self._label}: {what} must hold strings. Received: {values!r:.80}."
            ) from None

    def _token_from_line(self, line):
        return line

    def _check_token_range(self, tokens):
        pass  # any string is a valid key

    def _make_tables(self):
        tokens = [] if self._tokens is None else self._tokens.tolist()
        start = self._token_start()
        return {token: start + i for i, token in enumerate(tokens)}

    # -- lookup -------------------------------------------------------------------------
    def _convert_input(self, x):
        # Strings have no tensor form: host data stays NumPy.
        if isinstance(x, (np.ndarray, np.generic, list, tuple, str, bytes)):
            return np.asarray(x) if not isinstance(x, (list, tuple)) else \
                np.asarray(x, dtype=object)
        return super()._convert_input(x)

    def _lookup_strings(self, tokens):
        """Host lookup: ``tokens`` (a str array) to an int64 index array."""
        flat = tokens.reshape(-1)
        table = self._tables
        indices = np.array([table.get(t, -2) for t in flat.tolist()], dtype=np.int64)
        is_oov = indices == -2
        is_mask = flat == self.mask_token if self.mask_token is not None else None
        if is_mask is not None:
            is_oov &= ~is_mask
        if is_oov.any():
            if self.num_oov_indices == 0:
                raise ValueError(integer_lookup._OOV_WITHOUT_BUCKETS.format(
                    cls="StringLookup", name=self.name,
                    values=np.unique(flat[is_oov])[:10].tolist()))
            if self.num_oov_indices == 1:
                indices[is_oov] = self._oov_start()
            else:
                buckets = hashing.hash_to_bins(flat[is_oov], self.num_oov_indices, self.salt)
                indices[is_oov] = np.asarray(buckets, dtype=np.int64) + self._oov_start()
        if is_mask is not None:
            indices[is_mask] = 0 if self.output_mode == "int" else integer_lookup._DROPPED
        return indices.reshape(tokens.shape)

    def _invert_indices(self, indices):
        """Host inversion: an int index array to a str array."""
        vocabulary = np.array(self.get_vocabulary(), dtype=object)
        size = len(vocabulary)
        valid = (indices >= 0) & (indices < size)
        out = np.where(valid, vocabulary[np.clip(indices, 0, max(size - 1, 0))],
                       self.oov_token)
        if self.mask_token is not None:
            out = np.where(indices == 0, self.mask_token, out)
        return out.astype(str)

    def _host_values(self, inputs):
        """``inputs`` as a NumPy array and whether they were host data (not a tensor)."""
        if isinstance(inputs, (np.ndarray, np.generic, list, tuple, str, bytes)):
            return np.asarray(inputs), True
        values = category_encoding.concrete_values(inputs)
        if values is None:
            raise ValueError(_TRACED.format(name=self.name))
        return values, False

    def call(self, inputs):
        self._check_depth()
        values, is_host = self._host_values(inputs)
        if self.invert:
            if values.dtype.kind not in "iu":
                raise TypeError(
                    f"{self._label}: with invert=True the inputs must be integer indices. "
                    f"Received dtype {values.dtype}."
                )
            return self._invert_indices(values.astype(np.int64))
        if not is_host:
            raise TypeError(_NOT_STRINGS.format(name=self.name,
                                                kind=f"a tensor of dtype {values.dtype}"))
        try:
            tokens = as_text(values, self.encoding)
        except TypeError:
            raise TypeError(_NOT_STRINGS.format(name=self.name,
                                                kind=f"values {inputs!r:.80}")) from None
        scalar = tokens.ndim == 0
        if scalar:
            tokens = tokens[None]
        indices = ops.convert_to_tensor(self._lookup_strings(tokens), dtype="int64")
        return self._encode(indices, scalar)

    def compute_output_spec(self, inputs):
        if self.invert:
            raise ValueError(_TRACED.format(name=self.name))
        return super().compute_output_spec(inputs)

    # -- saving -------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        # Strings have one dtype, so Keras leaves it out of the config.
        del config["vocabulary_dtype"]
        config["encoding"] = self.encoding
        return config
