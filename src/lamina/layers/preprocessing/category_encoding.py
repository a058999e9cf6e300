"""``CategoryEncoding``: integer ids in ``[0, num_tokens)`` as one-hot, multi-hot or count
vectors, and :func:`encode_categorical_inputs`, the encoder it shares with the other
structured-data layers (``Discretization``, ``Hashing``, ``IntegerLookup``).

Learning which ids exist belongs to ``IntegerLookup``; this module only encodes.
"""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.backend import scopes
from lamina.layers.layer import Layer

_OUTPUT_MODES = ("one_hot", "multi_hot", "count")

_RANK_LIMIT = (
    '{layer} "{name}": output_mode="{mode}" encodes inputs of rank 1 (one sample) or 2 '
    "(batch, values), as Keras documents; got an input of shape {shape}. Reshape the input "
    "to (batch, values) first, or use output_mode=\"one_hot\" to encode every element."
)
_NO_SPARSE = (
    '{layer}: `sparse=True` needs sparse tensors, which the lamina backends do not have '
    "(Keras supports it on TensorFlow only). Received: sparse={sparse}. Leave sparse=False."
)


def encode_categorical_inputs(inputs, output_mode, depth, dtype, count_weights=None,
                              layer=None):
    """Encode integer ids as Keras's preprocessing layers do.

    ``"one_hot"`` encodes every element: ``(..., 1)`` becomes ``(..., depth)`` and any other
    shape gains a trailing ``depth`` axis. ``"multi_hot"`` and ``"count"`` treat the last
    axis as one sample's values: ``(batch, values)`` becomes ``(batch, depth)`` and a rank-1
    input (one sample) becomes ``(depth,)``. Ids outside ``[0, depth)`` add nothing (the
    lookup layers use ``-1`` for dropped mask tokens).

    Args:
        inputs: an integer tensor of ids.
        output_mode: ``"int"`` (a cast only), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        depth: the size of the encoded axis.
        dtype: the output dtype (for ``"count"`` with ``count_weights``, their dtype).
        count_weights: optional weights shaped like ``inputs``, summed instead of 1 per
            occurrence in ``"count"`` mode.
        layer: the calling layer, named in error messages.

    Returns:
        The encoded tensor.

    Example:
        >>> encode_categorical_inputs(np.array([[0, 2, 2]]), "count", 4, "float32")
        # [[1., 0., 2., 0.]]
    """
    if output_mode == "int":
        return ops.cast(inputs, dtype)
    if ops.ndim(inputs) == 0:
        inputs = ops.expand_dims(inputs, -1)
    shape = tuple(inputs.shape)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            inputs = ops.squeeze(inputs, axis=-1)
        return ops.one_hot(inputs, depth, dtype=dtype)
    if len(shape) > 2:
        # Keras reduces axis 1 here on every backend while its symbolic shape reduces the
        # last axis; rather than pick one of two disagreeing answers we refuse the case.
        raise ValueError(_RANK_LIMIT.format(
            layer=type(layer).__name__ if layer is not None else "encode_categorical_inputs",
            name=getattr(layer, "name", ""), mode=output_mode, shape=shape))
    sample_axis = len(shape) - 1
    if output_mode == "multi_hot":
        return ops.max(ops.one_hot(inputs, depth, dtype=dtype), axis=sample_axis)
    if count_weights is not None:
        dtype = backend.standardize_dtype(count_weights.dtype)
        encoded = ops.one_hot(inputs, depth, dtype=dtype)
        encoded = ops.multiply(encoded, ops.expand_dims(count_weights, -1))
    else:
        encoded = ops.one_hot(inputs, depth, dtype=dtype)
    return ops.sum(encoded, axis=sample_axis)


def encoded_shape(input_shape, output_mode, depth):
    """The output shape :func:`encode_categorical_inputs` gives for ``input_shape``.

    Args:
        input_shape: a shape tuple (``None`` for unknown sizes).
        output_mode: as for :func:`encode_categorical_inputs`.
        depth: the size of the encoded axis.

    Returns:
        The output shape tuple.

    Example:
        >>> encoded_shape((None, 3), "one_hot", 5)
        (None, 3, 5)
    """
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        input_shape = (1,)  # a scalar is encoded as a one-element sample
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


def concrete_values(x):
    """``x`` as a NumPy array when its values exist now, or None while it is traced.

    Value checks (ids in range, tokens in the vocabulary) run eagerly; inside a compiled
    JAX step or a symbolic call the values are not known, and the checks are skipped.

    Args:
        x: a backend tensor.

    Returns:
        A NumPy array, or None.

    Example:
        >>> concrete_values(ops.convert_to_tensor([1, 2]))  # array([1, 2])
    """
    if isinstance(x, KerasTensor) or scopes.in_symbolic_scope():
        return None
    try:
        return np.asarray(ops.convert_to_numpy(x))
    except TypeError:  # a JAX tracer: no values until the compiled step runs
        return None


def check_sparse(layer_name, sparse):
    """Raise the error Keras raises for ``sparse=True`` off TensorFlow.

    Args:
        layer_name: the class name, for the message.
        sparse: the argument as given.

    Returns:
        None.

    Example:
        >>> check_sparse("CategoryEncoding", False)
    """
    if sparse:
        raise ValueError(_NO_SPARSE.format(layer=layer_name, sparse=sparse))


class CategoryEncoding(Layer):
    """Encodes integer ids in ``[0, num_tokens)`` as one-hot, multi-hot or count vectors.

    Use it when the number of distinct ids is known; ``IntegerLookup`` first maps
    arbitrary integers to such ids. The output dtype is the layer's dtype (float32).

    Args:
        num_tokens: how many ids there are; every input must lie in ``[0, num_tokens)``
            (checked when the values are known; inside a compiled JAX step an
            out-of-range id encodes as zeros, as Keras does on JAX).
        output_mode: ``"multi_hot"`` (default: one row per sample of ``(batch, values)``,
            with a 1 for each id present), ``"one_hot"`` (each element encoded: ``(batch,)``
            or ``(batch, 1)`` gives ``(batch, num_tokens)``, ``(batch, n)`` gives
            ``(batch, n, num_tokens)``) or ``"count"`` (like multi-hot, with the number of
            occurrences). ``"binary"`` is the old name of ``"multi_hot"``.
        sparse: must stay False: sparse outputs exist on TensorFlow only.

    Call args:
        inputs: an integer array of rank 0, 1 or 2 (any rank for ``"one_hot"``).
        count_weights: ``"count"`` only: weights shaped like ``inputs``, summed per id.

    Returns:
        The encoded float tensor.

    Example:
        >>> layer = lamina.layers.CategoryEncoding(num_tokens=4, output_mode="count")
        >>> layer(np.array([[0, 1, 1], [3, 3, 3]]))  # [[1, 2, 0, 0], [0, 0, 0, 3]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":  # the Keras 2 name
            output_mode = "multi_hot"
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"CategoryEncoding: `output_mode` must be one of {_OUTPUT_MODES}. "
                f"Received: output_mode={output_mode!r}."
            )
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: `num_tokens` must be set. Received: num_tokens=None. When "
                "the number of distinct values is not known beforehand, use IntegerLookup."
            )
        if not isinstance(num_tokens, (int, np.integer)) or num_tokens < 1:
            raise ValueError(
                f"CategoryEncoding: `num_tokens` must be an integer >= 1. Received: "
                f"num_tokens={num_tokens!r}."
            )
        check_sparse("CategoryEncoding", sparse)
        self.num_tokens = int(num_tokens)
        self.output_mode = output_mode
        self.sparse = sparse
        # Ids must reach call as integers, not cast to the float compute dtype.
        self.autocast = False

    def _check_range(self, inputs):
        values = concrete_values(inputs)
        if values is None or values.size == 0:
            return
        bad = values[(values < 0) | (values >= self.num_tokens)]
        if bad.size:
            raise ValueError(
                f'CategoryEncoding layer "{self.name}": every input must be an integer in '
                f"[0, num_tokens) = [0, {self.num_tokens}). Received out-of-range values "
                f"{np.unique(bad)[:10].tolist()}. Raise num_tokens, or map the values to ids "
                "with IntegerLookup first."
            )

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    f'CategoryEncoding layer "{self.name}": `count_weights` is used only '
                    f'with output_mode="count"; this layer has '
                    f'output_mode="{self.output_mode}". Drop count_weights or use "count".'
                )
            count_weights = ops.cast(count_weights, self.compute_dtype)
        self._check_range(inputs)
        return encode_categorical_inputs(inputs, self.output_mode, self.num_tokens,
                                         self.compute_dtype, count_weights, layer=self)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def compute_output_spec(self, inputs, count_weights=None):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        })
        return config
