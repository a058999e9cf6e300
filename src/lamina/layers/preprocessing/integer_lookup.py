"""``IntegerLookup``: arbitrary integer tokens to contiguous vocabulary indices (or back),
optionally encoded as one-hot, multi-hot, count or TF-IDF vectors.

The vocabulary is held on the host as a NumPy array and, for lookups, as two small
tensors: the tokens sorted, and each sorted token's index. A lookup is then a
``digitize`` into the sorted tokens and a ``take``, ops both engines compile, so the layer
runs inside ``fit`` on torch and JAX (Keras's own needs TensorFlow hash tables).

``StringLookup`` subclasses this layer: it overrides the token hooks (``_as_tokens``,
``_token_from_line``, ``_make_tables``) and looks strings up on the host; the vocabulary,
adapt, encoding and saving logic here serves both.
"""

import collections
import os

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import category_encoding
from lamina.layers.preprocessing import hashing
from lamina.layers.preprocessing import normalization

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_OOV_METHODS = ("floormod", "farmhash")
# Dropped tokens (the mask token outside "int" mode) become this id, which every encoding
# ignores.
_DROPPED = -1

_OOV_WITHOUT_BUCKETS = (
    '{cls} layer "{name}": with num_oov_indices=0 every input must be in the '
    "vocabulary, but found out-of-vocabulary values {values}. Set num_oov_indices=1 (or "
    "more) to map them to OOV indices."
)
_TRACED_FARMHASH = (
    '{cls} layer "{name}": oov_method="farmhash" hashes the text of OOV tokens on '
    "the host, which cannot run inside a compiled step. Use oov_method=\"floormod\", or "
    "compile the model with jit_compile=False (or run_eagerly=True)."
)
_REPEATED = (
    '{cls} layer "{name}": the vocabulary must not repeat a token; repeated: '
    "{tokens}. Pass each token once."
)
_SPECIAL_INSIDE = (
    '{cls} layer "{name}": the {what} {token} sits inside the vocabulary at index '
    "{index}. Leave the mask and OOV tokens out of `vocabulary`, or put them only at its "
    "start, in this order: {special}."
)


def _int_tokens(values, what):
    """``values`` as a 1-D int64 NumPy array, refusing non-integer values."""
    array = np.asarray(ops.convert_to_numpy(values) if backend.is_tensor(values) else values)
    if array.size and array.dtype.kind not in "iub":
        if array.dtype.kind != "f" or not np.all(np.mod(array, 1) == 0):
            raise ValueError(
                f"IntegerLookup: {what} must hold integers (vocabulary_dtype='int64'). "
                f"Received values of dtype {array.dtype}."
            )
    return array.astype(np.int64).reshape(-1)


# (is wrong, what to say) for the constructor's arguments, in Keras's order; the message is
# formatted with the arguments.
_ARGUMENT_CHECKS = (
    (lambda a: a["max_tokens"] is not None and a["max_tokens"] <= 1,
     "`max_tokens`, when set, must be greater than 1 (it counts the mask and OOV indices "
     "too). Received: max_tokens={max_tokens}."),
    (lambda a: a["num_oov_indices"] < 0,
     "`num_oov_indices` must be >= 0. Received: num_oov_indices={num_oov_indices}."),
    (lambda a: a["sparse"],
     "`sparse=True` needs sparse tensors, which exist only on the TensorFlow backend. "
     "Leave sparse=False."),
    (lambda a: a["vocabulary_dtype"] != a["self"].vocabulary_dtype,
     "only vocabulary_dtype='int64' is supported. Received: "
     "vocabulary_dtype={vocabulary_dtype!r}."),
    (lambda a: a["pad_to_max_tokens"] and a["max_tokens"] is None,
     "`pad_to_max_tokens=True` needs `max_tokens` (the padded width). Received: "
     "max_tokens=None."),
    (lambda a: a["oov_method"] not in _OOV_METHODS,
     "`oov_method` must be one of " + str(_OOV_METHODS) + ". Received: "
     "oov_method={oov_method!r}."),
    # String tokens are always hashed; integers only with "farmhash".
    (lambda a: a["salt"] is not None and a["oov_method"] != "farmhash" and
     a["self"].vocabulary_dtype == "int64",
     "`salt` applies only with oov_method='farmhash'. Received: oov_method={oov_method!r}."),
    (lambda a: a["salt"] is not None and not isinstance(a["salt"], (int, np.integer)) and
     not (isinstance(a["salt"], (tuple, list)) and len(a["salt"]) == 2),
     "`salt` must be an int or a pair of ints. Received: salt={salt!r}."),
    (lambda a: a["output_mode"] not in _OUTPUT_MODES,
     "`output_mode` must be one of " + str(_OUTPUT_MODES) + ". Received: "
     "output_mode={output_mode!r}."),
    (lambda a: a["invert"] and a["output_mode"] != "int",
     '`invert=True` needs output_mode="int". Received: output_mode="{output_mode}".'),
    (lambda a: a["invert"] and a["oov_token"] is None,
     "`invert=True` returns `oov_token` for OOV indices, so it must be set (a token of "
     "the vocabulary's type). Received: oov_token=None."),
    (lambda a: a["idf_weights"] is not None and a["output_mode"] != "tf_idf",
     '`idf_weights` applies only to output_mode="tf_idf". Received: '
     'output_mode="{output_mode}".'),
    (lambda a: a["output_mode"] == "tf_idf" and a["has_input_vocabulary"] and
     a["idf_weights"] is None,
     'with output_mode="tf_idf" and a `vocabulary`, pass `idf_weights` too (one weight per '
     "token), or adapt() the layer instead."),
)


def _check_arguments(arguments):
    for is_wrong, message in _ARGUMENT_CHECKS:
        if is_wrong(arguments):
            raise ValueError(type(arguments["self"]).__name__ + ": " +
                             message.format(**arguments))


class IntegerLookup(Layer):
    """Maps integer tokens to indices in a vocabulary, which is given or learned by
    :meth:`adapt` (most frequent tokens first).

    In ``"int"`` mode the index layout is: the mask token (if any) at 0, then
    ``num_oov_indices`` out-of-vocabulary (OOV) indices, then the vocabulary. In the
    encoded modes the mask slot is left out and mask tokens in the input are dropped.
    Tokens outside the vocabulary go to an OOV index: ``token % num_oov_indices``
    (``oov_method="floormod"``) or the FarmHash of its decimal text (``"farmhash"``,
    SipHash with ``salt``), as in Keras.

    Args:
        max_tokens: the largest vocabulary ``adapt`` may learn, mask and OOV indices
            included (None: no limit).
        num_oov_indices: how many OOV indices; 0 makes OOV inputs an error (checked when the
            values are known: inside a compiled JAX step an OOV input gives index -1).
        mask_token: an integer meaning "padding", or None.
        oov_token: what ``invert=True`` returns for OOV indices (default -1).
        vocabulary: a list, 1-D array or tensor of tokens, or the path of a text file with
            one token per line. Mask and OOV tokens may lead it, in layout order.
        vocabulary_dtype: must be ``"int64"``.
        idf_weights: ``"tf_idf"`` only: one weight per vocabulary token (OOV weights default
            to their mean).
        invert: map indices back to tokens (``"int"`` mode only).
        output_mode: ``"int"`` (indices, int64), ``"one_hot"``, ``"multi_hot"``, ``"count"``
            (int64 encodings over the vocabulary, as Keras returns them) or ``"tf_idf"``
            (counts times the IDF weights, float).
        sparse: must stay False: sparse outputs exist on TensorFlow only.
        pad_to_max_tokens: encoded modes: make the output width ``max_tokens``.
        oov_method: ``"floormod"`` (default) or ``"farmhash"``.
        salt: ``"farmhash"`` only: an int or a pair of ints keying SipHash.

    Returns:
        Indices shaped like the input, tokens (``invert``), or encoded vectors.

    Example:
        >>> layer = lamina.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]]))  # [[1, 3, 4], [4, 0, 2]]
    """

    # What the vocabulary holds; StringLookup changes these and the hooks below.
    vocabulary_dtype = "int64"
    _token_dtype = np.int64

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        super().__init__(name=name, **kwargs)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        _check_arguments(locals())
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = invert
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.oov_method = oov_method
        self.salt = None if salt is None else (
            [int(salt), int(salt)] if isinstance(salt, (int, np.integer)) else
            [int(s) for s in salt])
        # Keras's flag for layers that cannot always run inside a compiled step.
        self.supports_jit = oov_method != "farmhash"
        self.autocast = False
        self._frozen_vocab_size = frozen_size
        self._has_input_vocabulary = has_input_vocabulary
        # A file path is read now; the config then carries the tokens, as for adapt().
        self.input_vocabulary = None if isinstance(vocabulary, (str, os.PathLike)) else (
            None if vocabulary is None else
            self._as_tokens(vocabulary, "`vocabulary`").tolist())
        self.input_idf_weights = None if idf_weights is None else \
            np.asarray(ops.convert_to_numpy(idf_weights) if backend.is_tensor(idf_weights)
                       else idf_weights, dtype="float64").tolist()
        self._tokens = None  # int64 NumPy array: the vocabulary after the special indices
        self._idf = None  # float NumPy array: one weight per output slot ("tf_idf")
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        else:
            self._tables = self._make_tables()  # mask and OOV indices only

    @property
    def _label(self):
        """How error messages name this layer: ``IntegerLookup layer "name"``."""
        return f'{type(self).__name__} layer "{self.name}"'

    # -- token hooks (StringLookup overrides these) ------------------------------------
    def _as_tokens(self, values, what):
        """``values`` as a 1-D NumPy array of tokens."""
        return _int_tokens(values, what)

    def _token_from_line(self, line):
        """A token read from one line of a vocabulary file."""
        return int(line)

    # -- the index layout -------------------------------------------------------------
    def _oov_start(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self):
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: mask and OOV indices plus the vocabulary's tokens.

        Returns:
            An int.

        Example:
            >>> lamina.layers.IntegerLookup(vocabulary=[5, 7]).vocabulary_size()
            3
        """
        return self._token_start() + (0 if self._tokens is None else len(self._tokens))

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order.

        Args:
            include_special_tokens: start with the mask and OOV tokens, so a token's
                position equals its index (default True).

        Returns:
            A list of ints.

        Example:
            >>> lamina.layers.IntegerLookup(vocabulary=[5, 7]).get_vocabulary()
            [-1, 5, 7]
        """
        tokens = [] if self._tokens is None else self._tokens.tolist()
        if not include_special_tokens:
            return tokens
        return [self.mask_token] * self._oov_start() + \
            [self.oov_token] * self.num_oov_indices + tokens

    # -- setting the vocabulary -------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary (and, for ``"tf_idf"``, the IDF weights).

        Args:
            vocabulary: a list, 1-D array or tensor of int tokens, or the path of a text
                file with one token per line. It may start with the mask and OOV tokens in
                layout order; otherwise they are added in front.
            idf_weights: ``"tf_idf"`` only (and then required): one weight per entry of
                ``vocabulary``.

        Returns:
            None.

        Example:
            >>> layer = lamina.layers.IntegerLookup()
            >>> layer.set_vocabulary([10, 20])
            >>> layer(np.array([20, 30]))  # [2, 0]
        """
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(
                f'{self._label}: output_mode="tf_idf" needs '
                "`idf_weights` with the vocabulary."
            )
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                f'{self._label}: `idf_weights` applies only to '
                f'output_mode="tf_idf"; this layer has output_mode="{self.output_mode}".'
            )
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == "tf_idf":
                raise ValueError(
                    f'{self._label}: output_mode="tf_idf" cannot read '
                    "the vocabulary from a file; pass a list with `idf_weights`."
                )
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocabulary = self._as_tokens(vocabulary, "`vocabulary`")
        if vocabulary.size == 0:
            raise ValueError(
                f'{self._label}: the vocabulary is empty. Pass at least '
                "one token."
            )
        token_start = self._token_start()
        special = [self.mask_token] * self._oov_start() + [self.oov_token] * \
            self.num_oov_indices
        has_special = len(vocabulary) >= token_start and \
            vocabulary[:token_start].tolist() == special
        tokens = vocabulary[token_start:] if has_special else vocabulary
        self._check_tokens(tokens, vocabulary, special)
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                f'{self._label}: the vocabulary needs {size} indices '
                f"(with mask and OOV indices), more than max_tokens={self.max_tokens}. Raise "
                "max_tokens or pass fewer tokens."
            )
        idf = None
        if self.output_mode == "tf_idf":
            idf = self._padded_idf(idf_weights, len(vocabulary), has_special)
        self._set_tokens(tokens, idf)

    def _read_vocabulary_file(self, path):
        if not os.path.exists(path):
            raise ValueError(
                f'{self._label}: the vocabulary file {str(path)!r} does '
                "not exist."
            )
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and not lines[-1]:
            lines.pop()
        return [self._token_from_line(line) for line in lines]

    def _check_tokens(self, tokens, vocabulary, special):
        counts = collections.Counter(tokens.tolist())
        repeated = [t for t, c in counts.items() if c > 1]
        if repeated:
            raise ValueError(_REPEATED.format(cls=type(self).__name__, name=self.name,
                tokens=repeated))
        for what, token, applies in (("mask token", self.mask_token, True),
                                     ("OOV token", self.oov_token, self.invert)):
            if applies and token is not None and token in counts:
                index = int(np.flatnonzero(vocabulary == token)[-1])
                raise ValueError(_SPECIAL_INSIDE.format(
                    cls=type(self).__name__, name=self.name,
                what=what, token=token, index=index, special=special))
        self._check_token_range(tokens)

    def _check_token_range(self, tokens):
        if tokens.size and self._key_dtype() == "int32":
            info = np.iinfo(np.int32)
            if tokens.min() < info.min or tokens.max() > info.max:
                raise ValueError(
                    f'{self._label}: tokens outside the int32 range '
                    f"({tokens.min()}, {tokens.max()}) need 64-bit integers, which this "
                    "backend has turned off (JAX: set jax_enable_x64)."
                )

    def _padded_idf(self, idf_weights, vocabulary_length, has_special):
        weights = np.asarray(ops.convert_to_numpy(idf_weights) if backend.is_tensor(
            idf_weights) else idf_weights, dtype="float64")
        if weights.ndim != 1:
            raise ValueError(
                f'{self._label}: `idf_weights` must be 1-D. Received '
                f"shape {weights.shape}."
            )
        if len(weights) != vocabulary_length:
            raise ValueError(
                f'{self._label}: `idf_weights` needs one weight per '
                f"vocabulary entry: {vocabulary_length}, received {len(weights)}."
            )
        # Without weights for the OOV slots, they get the mean weight (Keras's default).
        front = 0 if has_special else self._token_start()
        weights = np.concatenate([np.full(front, np.average(weights)), weights])
        return self._pad_back(weights)

    def _pad_back(self, weights):
        if self.pad_to_max_tokens:
            weights = np.concatenate([weights, np.zeros(self.max_tokens - len(weights))])
        return weights.astype(backend.floatx())

    def _set_tokens(self, tokens, idf=None):
        self._tokens = np.asarray(tokens, dtype=self._token_dtype)
        if idf is not None:
            self._idf = idf
        # Made here, eagerly: made during a traced (jitted) call, they would be that
        # trace's values and could not be kept for later calls.
        self._tables = self._make_tables()
        size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(
                f'{self._label}: with output_mode="{self.output_mode}" '
                "and pad_to_max_tokens=False the output width is the vocabulary size, which "
                f"cannot change once set: it was {self._frozen_vocab_size}, the new "
                f"vocabulary has {size}. Set pad_to_max_tokens=True with max_tokens, or "
                "create a new layer."
            )
        self._frozen_vocab_size = size

    # -- adapt --------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learn the vocabulary from ``data``: tokens by decreasing count, ties by
        decreasing value, cut to ``max_tokens``; in ``"tf_idf"`` mode also the IDF weights
        ``log(1 + documents / (1 + documents containing the token))``, a document being a
        row of a batch.

        Args:
            data: a NumPy array, tensor or list (one batch; a 1-D array is a batch of
                one-token documents), a ``PyDataset`` or an iterable of batches (a 1-D
                batch is one document).
            steps: read at most this many batches of an iterable.

        Returns:
            None.

        Example:
            >>> layer = lamina.layers.IntegerLookup()
            >>> layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36]]))
            >>> layer.get_vocabulary()  # [-1, 42, 1138, 1000, 36, 12]
        """
        self.reset_state()
        whole = isinstance(data, (np.ndarray, list, tuple, backend.BaseVariable)) or \
            backend.is_tensor(data)
        for batch in normalization.adapt_batches(data, type(self).__name__, steps=steps,
                                                 sequences_are_data=True):
            if whole and batch.ndim == 1:
                batch = batch[:, None]  # each element of a whole 1-D array is a document
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch (rows are documents for ``"tf_idf"``)."""
        if self._has_input_vocabulary:
            raise ValueError(
                f'{self._label} was given its vocabulary; it cannot be '
                "adapted. Create it without `vocabulary` to learn one from data."
            )
        data = np.asarray(data)
        if data.ndim < 2:
            data = data.reshape(1, -1)  # a single document
        if data.size == 0:
            return
        self._count_documents([self._as_tokens(row, "adapt data")
                               for row in data.reshape(len(data), -1)])

    def _count_documents(self, documents):
        """Count the tokens of ``documents``, a list of 1-D token arrays (they may differ in
        length: TextVectorization passes split texts)."""
        for document in documents:
            self._counts.update(document.tolist())
            if self.output_mode == "tf_idf":
                self._document_counts.update(np.unique(document).tolist())
        if self.output_mode == "tf_idf":
            self._num_documents += len(documents)

    def finalize_state(self):
        """Turn the counts into the vocabulary (and IDF weights), then clear them."""
        if self._has_input_vocabulary or not self._counts:
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(special, None)
        tokens = np.array(list(self._counts), dtype=self._token_dtype)
        counts = np.array([self._counts[t] for t in tokens.tolist()], dtype=np.int64)
        order = np.lexsort((tokens, counts))[::-1]  # count, then token, both descending
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start()]
        tokens = tokens[order]
        idf = None
        if self.output_mode == "tf_idf":
            documents = np.array([self._document_counts[t] for t in tokens.tolist()],
                                 dtype="float64")
            weights = np.log(1 + self._num_documents / (1 + documents)).astype(
                backend.floatx())
            mean = weights.mean() if weights.size else np.float32(np.nan)
            idf = self._pad_back(np.concatenate([
                np.full(self._token_start(), mean, dtype=weights.dtype), weights]))
        self._check_tokens(tokens, tokens, [])
        self._set_tokens(tokens, idf)
        self.reset_state()

    def reset_state(self):
        """Forget the counts of earlier ``adapt`` batches."""
        self._counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    # -- lookup -------------------------------------------------------------------------
    def _key_dtype(self):
        # int64 where the engine has it (torch; JAX with x64), else int32.
        return backend.standardize_dtype(ops.convert_to_tensor(np.zeros(1, np.int64)).dtype)

    def _make_tables(self):
        """The tensors a lookup reads: (the tokens sorted, their indices), or for
        ``invert`` (every index's token,)."""
        dtype = self._key_dtype()
        tokens = np.zeros(0, np.int64) if self._tokens is None else self._tokens
        if self.invert:
            table = np.asarray(self.get_vocabulary(), dtype=np.int64)
            return (ops.convert_to_tensor(table, dtype=dtype),)
        order = np.argsort(tokens, kind="stable")
        return (ops.convert_to_tensor(tokens[order], dtype=dtype),
                ops.convert_to_tensor(order + self._token_start(), dtype=dtype))

    def _invert(self, indices):
        (table,) = self._tables
        size = self.vocabulary_size()
        valid = ops.logical_and(ops.greater_equal(indices, 0), ops.less(indices, size))
        tokens = ops.take(table, ops.clip(indices, 0, size - 1))
        tokens = ops.where(valid, tokens, self.oov_token)
        if self.mask_token is not None:
            tokens = ops.where(ops.equal(indices, 0), self.mask_token, tokens)
        return tokens

    def _lookup(self, tokens):
        keys, ids = self._tables
        count = 0 if self._tokens is None else len(self._tokens)
        if count:
            # Position of the largest key <= token; a hit when that key is the token.
            position = ops.clip(ops.subtract(ops.digitize(tokens, keys), 1), 0, count - 1)
            found = ops.equal(ops.take(keys, position), tokens)
            indices = ops.take(ids, position)
        else:
            found = ops.zeros_like(tokens, dtype="bool")
            indices = ops.zeros_like(tokens)
        is_mask = None if self.mask_token is None else ops.equal(tokens, self.mask_token)
        if self.num_oov_indices == 0:
            self._check_no_oov(tokens, found, is_mask)
            oov = _DROPPED
        elif self.num_oov_indices == 1:
            oov = self._oov_start()
        else:
            oov = ops.add(self._oov_buckets(tokens), self._oov_start())
        indices = ops.where(found, indices, oov)
        if is_mask is not None:
            indices = ops.where(is_mask, 0 if self.output_mode == "int" else _DROPPED,
                                indices)
        return indices

    def _oov_buckets(self, tokens):
        if self.oov_method == "floormod":
            return ops.mod(tokens, self.num_oov_indices)
        values = category_encoding.concrete_values(tokens)
        if values is None:
            raise ValueError(_TRACED_FARMHASH.format(cls=type(self).__name__, name=self.name))
        buckets = hashing.hash_to_bins(values, self.num_oov_indices, self.salt)
        return ops.convert_to_tensor(buckets, dtype=backend.standardize_dtype(tokens.dtype))

    def _check_no_oov(self, tokens, found, is_mask):
        known = found if is_mask is None else ops.logical_or(found, is_mask)
        values = category_encoding.concrete_values(tokens)
        known = category_encoding.concrete_values(known)
        if values is None or known is None or known.all():
            return
        raise ValueError(_OOV_WITHOUT_BUCKETS.format(
            cls=type(self).__name__, name=self.name,
                values=np.unique(values[~known])[:10].tolist()))

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _check_depth(self):
        if self.output_mode != "int" and self._depth() is None:
            raise RuntimeError(
                f'{self._label}: output_mode="{self.output_mode}" needs '
                "the vocabulary size before the first call. Pass `vocabulary`, call "
                "adapt(data) or set_vocabulary(...) first, or set pad_to_max_tokens=True."
            )

    def call(self, inputs):
        self._check_depth()
        x = ops.cast(inputs, self._key_dtype())
        scalar = ops.ndim(x) == 0
        if scalar:
            x = ops.expand_dims(x, -1)
        if self.invert:
            out = self._invert(x)
        else:
            out = self._lookup(x)
        return self._encode(out, scalar)

    def _encode(self, out, scalar):
        """Indices (with a trailing axis added when the input was a scalar) in
        ``output_mode``."""
        if self.output_mode == "int":
            out = ops.cast(out, "int64")
            return ops.squeeze(out, -1) if scalar else out
        if self.output_mode != "tf_idf":
            # Keras returns these encodings as int64 (its symbolic spec says floatx).
            return category_encoding.encode_categorical_inputs(
                out, self.output_mode, self._depth(), "int64", layer=self)
        counts = category_encoding.encode_categorical_inputs(
            out, "count", self._depth(), backend.floatx(), layer=self)
        return ops.multiply(counts, ops.convert_to_tensor(self._idf, dtype=backend.floatx()))

    def compute_output_shape(self, input_shape):
        return category_encoding.encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        dtype = backend.floatx() if self.output_mode == "tf_idf" else "int64"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # -- saving -------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        vocabulary, idf = self.input_vocabulary, self.input_idf_weights
        if vocabulary is None and self._tokens is not None:
            # An adapted (or file) vocabulary rides in the config, since lamina's files
            # have no assets folder (Keras writes it to assets/vocabulary.txt).
            vocabulary = self._tokens.tolist()
            if self._idf is not None:
                start = self._token_start()
                idf = self._idf[start:start + len(self._tokens)].tolist()
        config.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": idf,
            "vocabulary": vocabulary,
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        return config

    @classmethod
    def from_config(cls, config):
        if isinstance(config.get("vocabulary"), str):
            raise ValueError(
                "IntegerLookup.from_config: the config names a vocabulary file "
                f"({config['vocabulary']!r}) outside the saved model; lamina does not read "
                "files named by a config. Put the tokens in the config as a list."
            )
        return cls(**config)

    def save_own_variables(self, store):
        """Store the IDF weights under ``"idf_weights"``, as Keras does."""
        if self.output_mode == "tf_idf" and self._idf is not None:
            store["idf_weights"] = np.asarray(self._idf)

    def load_own_variables(self, store):
        """Read the IDF weights stored by :meth:`save_own_variables`."""
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._idf = np.asarray(store["idf_weights"], dtype=backend.floatx())
