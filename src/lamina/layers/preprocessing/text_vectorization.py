"""``TextVectorization``: raw text to token indices or bag-of-words vectors.

Each string is standardized (lower-cased, punctuation stripped), split into tokens,
optionally extended with n-grams, then looked up in a ``StringLookup`` whose index 0 is the
padding (mask) token ``""`` and index 1 the OOV token ``"[UNK]"``. Text has no tensor form
on torch or JAX, so all of this runs on the host over NumPy and Python strings
(``supports_jit = False``), as Keras does on those backends; the indices or vectors come back
as a tensor.
"""

import string

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import category_encoding
from lamina.layers.preprocessing import normalization
from lamina.layers.preprocessing import string_lookup
from lamina.saving import serialization

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
# The characters Keras strips (its regex class is exactly string.punctuation).
_PUNCTUATION = str.maketrans("", "", string.punctuation)
# TensorFlow's ``strings.lower`` (used by Keras) lowers ASCII letters only.
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

_BAD_RANK = (
    'TextVectorization layer "{name}": with `split` the input must be a batch of strings '
    "shaped (batch,) or (batch, 1). Received shape {shape}."
)


def _check_choice(value, choices, name, allow_none=True):
    if value is None and allow_none or callable(value) or value in choices:
        return
    raise ValueError(
        f"TextVectorization: `{name}` must be one of {choices}"
        f"{', None' if allow_none else ''} or a callable. Received: {name}={value!r}."
    )


def _ngrams(tokens, widths):
    """Every n-gram of each width in ``widths``, widths in order, joined by spaces."""
    grams = []
    for width in widths:
        grams.extend(" ".join(tokens[i:i + width]) for i in range(len(tokens) - width + 1))
    return grams


class TextVectorization(Layer):
    """Turns a batch of strings into token indices (``"int"``) or one vector per string
    (``"multi_hot"``, ``"count"``, ``"tf_idf"``), with a vocabulary given or learned by
    :meth:`adapt`.

    Index 0 is padding (the mask token ``""``) and index 1 the OOV token ``"[UNK]"`` in
    ``"int"`` mode; the encoded modes drop the padding slot, so index 0 is ``"[UNK]"``.

    Args:
        max_tokens: the largest vocabulary ``adapt`` may learn, padding and OOV included
            (None: no limit).
        standardize: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
            ``"strip_punctuation"``, None, or a callable taking and returning a NumPy array
            of ``str``. Lower-casing touches ASCII letters only, as TensorFlow's does.
        split: ``"whitespace"`` (default; runs of whitespace, leading and trailing spaces
            ignored), ``"character"``, None (each string is one token), or a callable taking
            the 1-D NumPy array of standardized strings and returning one sequence of tokens
            per string.
        ngrams: None, an int ``n`` (all n-grams for widths 1 to ``n``) or a tuple of widths.
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"``, ``"count"`` or
            ``"tf_idf"``.
        output_sequence_length: ``"int"`` mode only: pad with 0 or truncate every row to
            this many tokens (None: pad to the longest row of the batch).
        pad_to_max_tokens: encoded modes: make the output width ``max_tokens``.
        vocabulary: a list or 1-D array of strings, or a path to a file with one per line.
        idf_weights: ``"tf_idf"`` with a ``vocabulary``: one weight per token.
        sparse: must stay False (sparse outputs exist on TensorFlow only).
        ragged: must stay False (ragged outputs exist on TensorFlow only).
        encoding: how bytes inputs are decoded (default ``"utf-8"``).

    Returns:
        ``"int"``: an int64 tensor ``(batch, sequence_length)``; otherwise a float tensor
        ``(batch, vocabulary_size)``.

    Example:
        >>> layer = lamina.layers.TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog ran!"])
        >>> layer.get_vocabulary()
        ['', '[UNK]', 'the', 'sat', 'ran', 'dog', 'cat']
        >>> layer(["the cat ran fast"])  # [[2, 6, 4, 1]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if sparse:
            raise ValueError("TextVectorization: `sparse=True` needs sparse tensors, which "
                             "exist only on the TensorFlow backend. Leave sparse=False.")
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` needs ragged tensors, which "
                             "exist only on the TensorFlow backend. Leave ragged=False and "
                             "set `output_sequence_length` or let rows pad with 0.")
        _check_choice(standardize, _STANDARDIZE, "standardize")
        _check_choice(split, _SPLIT, "split")
        _check_choice(output_mode, _OUTPUT_MODES, "output_mode", allow_none=False)
        if not (ngrams is None or isinstance(ngrams, int) and not isinstance(ngrams, bool) or
                isinstance(ngrams, (tuple, list)) and all(isinstance(n, int) for n in ngrams)):
            raise ValueError("TextVectorization: `ngrams` must be None, an int or a tuple of "
                             f"ints. Received: ngrams={ngrams!r}.")
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(
                    "TextVectorization: `output_sequence_length` applies only to "
                    f'output_mode="int". Received: output_mode="{output_mode}", '
                    f"output_sequence_length={output_sequence_length}."
                )
            if not isinstance(output_sequence_length, int) or output_sequence_length <= 0:
                raise ValueError(
                    "TextVectorization: `output_sequence_length` must be None or a positive "
                    f"int. Received: output_sequence_length={output_sequence_length!r}."
                )
        self.standardize = standardize
        self.split = split
        self.ngrams = list(ngrams) if isinstance(ngrams, list) else ngrams
        self._ngram_widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else (
            None if ngrams is None else tuple(ngrams))
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.ragged = ragged
        self.encoding = encoding
        self.supports_jit = False
        self.autocast = False
        self._lookup = string_lookup.StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, has_input_vocabulary=has_input_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")

    # -- text to tokens -----------------------------------------------------------------
    def _standardized(self, texts):
        if callable(self.standardize):
            return string_lookup.as_text(self.standardize(texts), self.encoding)
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            texts = np.array([t.translate(_ASCII_LOWER) for t in texts.reshape(-1)],
                             dtype=str).reshape(texts.shape)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            texts = np.array([t.translate(_PUNCTUATION) for t in texts.reshape(-1)],
                             dtype=str).reshape(texts.shape)
        return texts

    def _split_texts(self, texts):
        """A (batch,) str array to a list of token lists, one per string."""
        if self.split == "whitespace":
            return [t.split() for t in texts]
        if self.split == "character":
            return [list(t) for t in texts]
        rows = self.split(texts)
        return [[str(token) for token in string_lookup.as_text(row, self.encoding).tolist()]
                for row in rows]

    def _host_texts(self, inputs):
        if isinstance(inputs, (np.ndarray, np.generic, list, tuple, str, bytes)):
            values = np.asarray(inputs)
        else:
            values = category_encoding.concrete_values(inputs)
            kind = "symbolic or traced tensors" if values is None else \
                f"a tensor of dtype {values.dtype}"
            raise TypeError(
                f'TextVectorization layer "{self.name}": expected strings (a list or NumPy '
                f"array of str or bytes), received {kind}. Text has no tensor form on this "
                "backend: apply the layer to the raw strings, before the model or eagerly."
            )
        try:
            return string_lookup.as_text(values, self.encoding)
        except TypeError:
            raise TypeError(
                f'TextVectorization layer "{self.name}": expected strings, received '
                f"{inputs!r:.80}."
            ) from None

    def _tokenize(self, inputs):
        """Raw inputs to (token rows, is_scalar), or to a str array when ``split`` is None."""
        texts = self._standardized(self._host_texts(inputs))
        scalar = texts.ndim == 0
        if scalar:
            texts = texts[None]
        if self.split is None:
            rows = texts.reshape(len(texts), -1).tolist()
        else:
            if texts.ndim > 2 or texts.ndim == 2 and texts.shape[-1] != 1:
                raise ValueError(_BAD_RANK.format(name=self.name, shape=texts.shape))
            rows = self._split_texts(texts.reshape(-1))
        if self._ngram_widths is not None:
            rows = [_ngrams(row, self._ngram_widths) for row in rows]
        return rows, scalar, texts

    # -- adapt and vocabulary -----------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary (and IDF weights) from texts: tokens by decreasing count,
        ties by decreasing token, cut to ``max_tokens``.

        Args:
            data: a list or NumPy array of strings, a ``PyDataset`` or an iterable of
                batches of strings.
            batch_size: read an array in batches of this many strings.
            steps: read at most this many batches.

        Returns:
            None.

        Example:
            >>> layer = lamina.layers.TextVectorization()
            >>> layer.adapt(["b a", "b c"])
            >>> layer.get_vocabulary()
            ['', '[UNK]', 'b', 'c', 'a']
        """
        self.reset_state()
        for batch in normalization.adapt_batches(data, "TextVectorization", steps=steps,
                                                 batch_size=batch_size,
                                                 sequences_are_data=True):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Count the tokens of one batch of texts (each text is a document)."""
        if self._lookup._has_input_vocabulary:
            raise ValueError(
                f'TextVectorization layer "{self.name}" was given its vocabulary; it cannot '
                "be adapted. Create it without `vocabulary` to learn one from data."
            )
        rows, _, _ = self._tokenize(data)
        self._lookup._count_documents([np.array(row, dtype=str) for row in rows])

    def finalize_state(self):
        """Turn the counts into the vocabulary."""
        self._lookup.finalize_state()

    def reset_state(self):
        """Forget the counts of earlier ``adapt`` batches."""
        self._lookup.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (``["", "[UNK]", ...]`` in ``"int"`` mode).

        Args:
            include_special_tokens: start with the padding and OOV tokens (default True).

        Returns:
            A list of str.

        Example:
            >>> lamina.layers.TextVectorization(vocabulary=["a", "b"]).get_vocabulary()
            ['', '[UNK]', 'a', 'b']
        """
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The number of indices, padding and OOV included.

        Returns:
            An int.

        Example:
            >>> lamina.layers.TextVectorization(vocabulary=["a", "b"]).vocabulary_size()
            4
        """
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary (and, for ``"tf_idf"``, the IDF weights).

        Args:
            vocabulary: a list or 1-D array of strings, or a path to a file with one per
                line; it may start with ``""`` and ``"[UNK]"``.
            idf_weights: ``"tf_idf"`` only (then required): one weight per entry.

        Returns:
            None.

        Example:
            >>> layer = lamina.layers.TextVectorization()
            >>> layer.set_vocabulary(["hello", "world"])
            >>> layer(["hello there"])  # [[2, 1]]
        """
        self._lookup.set_vocabulary(vocabulary, idf_weights)

    # -- call -----------------------------------------------------------------------------
    def _convert_input(self, x):
        # Text has no tensor form: host data stays as given.
        if isinstance(x, (np.ndarray, np.generic, list, tuple, str, bytes)):
            return x
        return super()._convert_input(x)

    def call(self, inputs):
        rows, scalar, texts = self._tokenize(inputs)
        length = self.output_sequence_length
        if self.split is None and self.output_mode == "int" and length is None:
            # Each string is one token: the output keeps the input's shape.
            return self._lookup(texts[0] if scalar else texts)
        if length is None:
            length = max((len(row) for row in rows), default=0)
        # (batch, length) tokens; "" is the mask token, so padding maps to index 0 in "int"
        # mode and is dropped by the encodings.
        padded = np.full((len(rows), length), "", dtype=object)
        for i, row in enumerate(rows):
            row = row[:length]
            padded[i, :len(row)] = row
        outputs = self._lookup(padded.astype(str) if padded.size else
                               np.zeros(padded.shape, dtype=str))
        if self.output_mode != "int":
            outputs = ops.cast(outputs, backend.floatx())
        if scalar:
            outputs = ops.squeeze(outputs, 0)
        return outputs

    def compute_output_shape(self, input_shape):
        batch = input_shape[0] if len(input_shape) else None
        if self.output_mode == "int":
            return (batch, self.output_sequence_length)
        depth = self._lookup._depth()
        if self.output_mode == "one_hot":
            return (batch, None, depth)
        return (batch, depth)

    def compute_output_spec(self, inputs):
        dtype = "int64" if self.output_mode == "int" else backend.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # -- saving -------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        lookup = self._lookup.get_config()
        config.update({
            "max_tokens": lookup["max_tokens"],
            "standardize": serialization.serialize_keras_object(self.standardize)
            if callable(self.standardize) else self.standardize,
            "split": serialization.serialize_keras_object(self.split)
            if callable(self.split) else self.split,
            "ngrams": self.ngrams,
            "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": lookup["pad_to_max_tokens"],
            "sparse": False,
            "ragged": self.ragged,
            # An adapted vocabulary rides in the config: lamina's files have no assets
            # folder (Keras writes it to assets/vocabulary.txt).
            "vocabulary": lookup["vocabulary"],
            "idf_weights": lookup["idf_weights"],
            "encoding": self.encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("vocabulary"), str):
            raise ValueError(
                "TextVectorization.from_config: the config names a vocabulary file "
                f"({config['vocabulary']!r}) outside the saved model; lamina does not read "
                "files named by a config. Put the tokens in the config as a list."
            )
        for key, names in (("standardize", _STANDARDIZE), ("split", _SPLIT)):
            value = config.get(key)
            if value is not None and not callable(value) and value not in names:
                config[key] = serialization.deserialize_keras_object(value)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def save_own_variables(self, store):
        """Store the IDF weights (``"tf_idf"``) as the inner ``StringLookup`` does."""
        self._lookup.save_own_variables(store)

    def load_own_variables(self, store):
        """Read the IDF weights stored by :meth:`save_own_variables`."""
        self._lookup.load_own_variables(store)
