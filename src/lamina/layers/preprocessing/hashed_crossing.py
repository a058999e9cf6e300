"""``HashedCrossing``: crosses categorical features with the hashing trick, with the bucket
numbers of Keras (TensorFlow's ``sparse.cross_hashed``)."""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import category_encoding
from lamina.layers.preprocessing.hashing import hash_strings

_U64 = np.uint64
_CAT_MUL = _U64(0xC6A4A7935BD1E995)  # FingerprintCat64's multiplier
_CROSS_SEED = _U64(0xDECAFCAFFE)  # the initial hash of a cross
_OUTPUT_MODES = ("int", "one_hot")
_TRACED = (
    'HashedCrossing layer "{name}" hashes its inputs on the host, so it cannot run inside '
    "a compiled (jitted) step. Cross the features before the model (in the input "
    "pipeline), or compile the model with jit_compile=False (or run_eagerly=True)."
)


def _shift_mix(value):
    return value ^ (value >> _U64(47))


def _fingerprint_cat(first, second):
    """TensorFlow's ``FingerprintCat64``: combines two 64-bit fingerprints."""
    with np.errstate(over="ignore"):
        result = first ^ _CAT_MUL
        result ^= _shift_mix(second * _CAT_MUL) * _CAT_MUL
        result *= _CAT_MUL
        result = _shift_mix(result) * _CAT_MUL
        return _shift_mix(result)


def _feature_hashes(values):
    """Each value's 64-bit hash in a cross: integers are their own hash (two's complement),
    strings their FarmHash ``Fingerprint64``."""
    if values.dtype.kind in "iu":
        return values.astype(np.int64).view(_U64)
    if values.dtype.kind in "USO":
        flat = [v.encode("utf-8") if isinstance(v, str) else bytes(v)
                for v in values.reshape(-1)]
        return hash_strings(flat).reshape(values.shape)
    raise ValueError(
        "HashedCrossing: all inputs must have an integer or string dtype. Received an "
        f"input of dtype {values.dtype}. Cast floats to int, or use Discretization first."
    )


def cross_hashed(features, num_bins):
    """The bucket in ``[0, num_bins)`` of each row's cross of ``features`` (equal-shaped
    NumPy arrays), as ``tf.sparse.cross_hashed`` numbers them.

    Args:
        features: a sequence of at least two arrays of the same shape.
        num_bins: the number of buckets.

    Returns:
        An int64 array of the features' shape.

    Example:
        >>> cross_hashed([np.array(["A", "B"]), np.array([101, 101])], 5)  # [1, 4]
    """
    hashed = np.full(features[0].shape, _CROSS_SEED, dtype=_U64)
    for values in features:
        hashed = _fingerprint_cat(hashed, _feature_hashes(values))
    return (hashed % _U64(num_bins)).astype(np.int64)


class HashedCrossing(Layer):
    """Crosses two or more categorical features into one with the hashing trick:
    ``hash(concatenation of the features) % num_bins``, with Keras's bucket numbers
    (TensorFlow's ``sparse.cross_hashed``: strings by FarmHash ``Fingerprint64``, integers
    by value, combined with ``FingerprintCat64``).

    Each input is a scalar feature per sample: shape ``()``, ``(batch,)`` or ``(batch, 1)``,
    integers or strings, all of the same shape. The layer runs on the host (NumPy): use it
    in the input pipeline, or in a model run eagerly (``jit_compile=False``).

    Args:
        num_bins: the number of hash buckets.
        output_mode: ``"int"`` (bucket numbers, shaped like one input) or ``"one_hot"``
            (a ``num_bins`` one-hot vector per sample).
        sparse: must stay False: sparse outputs exist on TensorFlow only.
        name: the layer's name.
        dtype: the output dtype; ``"int64"`` for ``"int"`` output, floatx otherwise.
        **kwargs: base layer arguments.

    Returns:
        The bucket numbers, or their one-hot encoding.

    Example:
        >>> layer = lamina.layers.HashedCrossing(num_bins=5)
        >>> layer((np.array(["A", "B", "A", "B", "A"]), np.array([101, 101, 101, 102, 102])))
        >>> # [1, 4, 1, 1, 3]
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if dtype is None:
            dtype = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(
                "HashedCrossing: `sparse=True` can only be used with the TensorFlow backend; "
                "lamina has dense outputs only. Use sparse=False."
            )
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"HashedCrossing: `output_mode` must be one of {_OUTPUT_MODES}. Received: "
                f"output_mode={output_mode!r}."
            )
        if not isinstance(num_bins, (int, np.integer)) or isinstance(num_bins, bool) or \
                num_bins <= 0:
            raise ValueError(
                f"HashedCrossing: `num_bins` must be a positive integer. Received: "
                f"num_bins={num_bins!r}."
            )
        self.num_bins = int(num_bins)
        self.output_mode = output_mode
        self.sparse = sparse
        self.supports_jit = False
        self.autocast = False

    def _convert_input(self, x):
        # Host data stays NumPy: strings have no tensor form, and JAX (without x64) would
        # narrow int64 values, changing their hash.
        if isinstance(x, (np.ndarray, np.generic, list, int, str, bytes)):
            return np.asarray(x)
        return super()._convert_input(x)

    def _features(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "HashedCrossing: call it on a list or tuple of inputs, one per feature, e.g. "
                f"layer((feature_a, feature_b)). Received: {type(inputs).__name__}."
            )
        if len(inputs) < 2:
            raise ValueError(
                f"HashedCrossing: needs at least two inputs to cross; received {len(inputs)}."
            )
        features = []
        for x in inputs:
            if isinstance(x, (np.ndarray, np.generic, list, int, str, bytes)):
                values = np.asarray(x)
            else:
                values = category_encoding.concrete_values(x)
                if values is None:
                    raise ValueError(_TRACED.format(name=self.name))
            features.append(values)
        shape = features[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(
                "HashedCrossing: every input must have shape (), (batch_size,) or "
                f"(batch_size, 1). Received an input of shape {shape}."
            )
        if any(f.shape != shape for f in features[1:]):
            raise ValueError(
                "HashedCrossing: all inputs must have the same shape. Received shapes "
                f"{[f.shape for f in features]}."
            )
        return features

    def call(self, inputs):
        features = self._features(inputs)
        indices = cross_hashed(features, self.num_bins)
        if self.output_mode == "int":
            return ops.convert_to_tensor(indices, dtype=self.compute_dtype)
        if indices.ndim == 2:
            indices = indices[:, 0]
        encoded = np.eye(self.num_bins, dtype="float32")[indices]
        return ops.convert_to_tensor(encoded, dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if first and first[-1] == 1:
            first = first[:-1]
        return first + (self.num_bins,)

    def compute_output_spec(self, inputs):
        shapes = [tuple(x.shape) for x in inputs]
        return KerasTensor(self.compute_output_shape(shapes), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
