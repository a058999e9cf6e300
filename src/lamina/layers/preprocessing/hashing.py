"""``Hashing``: values into ``num_bins`` buckets by a stable hash of their text, with
the bucket numbers Keras (TensorFlow's ``to_hash_bucket_fast`` / ``_strong``) gives.

The hash functions are FarmHash's ``Fingerprint64`` (farmhash-na ``Hash64``) and
SipHash-2-4, written here over NumPy ``uint64`` arrays and vectorized over all values of
one byte length. Hashing strings has no tensor op on either engine, so the layer runs on
the host: eagerly, or in a model trained with ``jit_compile=False`` on JAX.
"""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.layers.preprocessing import category_encoding

_U64 = np.uint64
# FarmHash's multipliers.
_K0 = _U64(0xC3A5C85C97CB3127)
_K1 = _U64(0xB492B66FBE98F273)
_K2 = _U64(0x9AE16A3B2F90404F)
_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")

_TRACED = (
    'Hashing layer "{name}" hashes the decimal text of its inputs on the host, so it cannot '
    "run inside a compiled (jitted) step. Hash the data before the model (e.g. in the input "
    "pipeline), or compile the model with jit_compile=False (or run_eagerly=True)."
)


# -- byte access and mixing, on uint64 arrays (one row of bytes per value) ----------------
def _fetch64(data, offset):
    """Little-endian uint64 at byte ``offset`` of every row of the uint8 matrix ``data``."""
    return np.ascontiguousarray(data[:, offset:offset + 8]).view("<u8")[:, 0].astype(_U64)


def _fetch32(data, offset):
    return np.ascontiguousarray(data[:, offset:offset + 4]).view("<u4")[:, 0].astype(_U64)


def _rotate(value, shift):
    return (value >> _U64(shift)) | (value << _U64(64 - shift))


def _shift_mix(value):
    return value ^ (value >> _U64(47))


def _hash_len16(u, v, mul):
    a = _shift_mix((u ^ v) * mul)
    b = _shift_mix((v ^ a) * mul)
    return b * mul


def _weak_hash_len32_with_seeds(data, offset, a, b):
    w, x = _fetch64(data, offset), _fetch64(data, offset + 8)
    y, z = _fetch64(data, offset + 16), _fetch64(data, offset + 24)
    a = a + w
    b = _rotate(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rotate(a, 44)
    return a + z, b + c


# -- FarmHash Fingerprint64, one branch per length range -----------------------------------
def _farm_0_to_16(data, length):
    count = data.shape[0]
    if length == 0:
        return np.full(count, _K2, dtype=_U64)
    mul = _K2 + _U64(length * 2)
    if length >= 8:
        a = _fetch64(data, 0) + _K2
        b = _fetch64(data, length - 8)
        c = _rotate(b, 37) * mul + a
        d = (_rotate(a, 25) + b) * mul
        return _hash_len16(c, d, mul)
    if length >= 4:
        a = _fetch32(data, 0)
        return _hash_len16(_U64(length) + (a << _U64(3)), _fetch32(data, length - 4), mul)
    # 1 to 3 bytes: the first, middle and last byte, mixed as 32-bit sums.
    first, middle, last = (data[:, i].astype(_U64) for i in (0, length >> 1, length - 1))
    y = (first + (middle << _U64(8))) & _U64(0xFFFFFFFF)
    z = (_U64(length) + (last << _U64(2))) & _U64(0xFFFFFFFF)
    return _shift_mix(y * _K2 ^ z * _K0) * _K2


def _farm_17_to_32(data, length):
    mul = _K2 + _U64(length * 2)
    a = _fetch64(data, 0) * _K1
    b = _fetch64(data, 8)
    c = _fetch64(data, length - 8) * mul
    d = _fetch64(data, length - 16) * _K2
    return _hash_len16(_rotate(a + b, 43) + _rotate(c, 30) + d,
                       a + _rotate(b + _K2, 18) + c, mul)


def _farm_33_to_64(data, length):
    mul = _K2 + _U64(length * 2)
    a = _fetch64(data, 0) * _K2
    b = _fetch64(data, 8)
    c = _fetch64(data, length - 8) * mul
    d = _fetch64(data, length - 16) * _K2
    y = _rotate(a + b, 43) + _rotate(c, 30) + d
    z = _hash_len16(y, a + _rotate(b + _K2, 18) + c, mul)
    e = _fetch64(data, 16) * mul
    f = _fetch64(data, 24)
    g = (y + _fetch64(data, length - 32)) * mul
    h = (z + _fetch64(data, length - 24)) * mul
    return _hash_len16(_rotate(e + f, 43) + _rotate(g, 30) + h,
                       e + _rotate(f + a, 18) + g, mul)


def _farm_long(data, length):
    """Over 64 bytes: 64-byte blocks folded into seven lanes, then the last 64 bytes."""
    count = data.shape[0]
    seed = 81
    x = np.full(count, seed, dtype=_U64)
    # Python ints, wrapped by hand: NumPy warns on uint64 scalar overflow (arrays wrap).
    y = np.full(count, (seed * int(_K1) + 113) % 2**64, dtype=_U64)
    z = _shift_mix(y * _K2 + _U64(113)) * _K2
    v = (np.zeros(count, _U64), np.zeros(count, _U64))
    w = (np.zeros(count, _U64), np.zeros(count, _U64))
    x = x * _K2 + _fetch64(data, 0)
    blocks_end = ((length - 1) // 64) * 64
    for start in range(0, blocks_end, 64):
        x = _rotate(x + y + v[0] + _fetch64(data, start + 8), 37) * _K1
        y = _rotate(y + v[1] + _fetch64(data, start + 48), 42) * _K1
        x = x ^ w[1]
        y = y + v[0] + _fetch64(data, start + 40)
        z = _rotate(z + w[0], 33) * _K1
        v = _weak_hash_len32_with_seeds(data, start, v[1] * _K1, x + w[0])
        w = _weak_hash_len32_with_seeds(data, start + 32, z + w[1],
                                        y + _fetch64(data, start + 16))
        x, z = z, x
    last = length - 64
    mul = _K1 + ((z & _U64(0xFF)) << _U64(1))
    w0 = w[0] + _U64((length - 1) & 63)
    v0 = v[0] + w0
    w0 = w0 + v0
    v, w = (v0, v[1]), (w0, w[1])
    x = _rotate(x + y + v[0] + _fetch64(data, last + 8), 37) * mul
    y = _rotate(y + v[1] + _fetch64(data, last + 48), 42) * mul
    x = x ^ (w[1] * _U64(9))
    y = y + v[0] * _U64(9) + _fetch64(data, last + 40)
    z = _rotate(z + w[0], 33) * mul
    v = _weak_hash_len32_with_seeds(data, last, v[1] * mul, x + w[0])
    w = _weak_hash_len32_with_seeds(data, last + 32, z + w[1], y + _fetch64(data, last + 16))
    x, z = z, x
    return _hash_len16(_hash_len16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z,
                       _hash_len16(v[1], w[1], mul) + x, mul)


def _farm_fingerprint(data, length):
    if length <= 16:
        return _farm_0_to_16(data, length)
    if length <= 32:
        return _farm_17_to_32(data, length)
    if length <= 64:
        return _farm_33_to_64(data, length)
    return _farm_long(data, length)


# -- SipHash-2-4 ----------------------------------------------------------------------------
def _sip_rounds(v0, v1, v2, v3, rounds):
    for _ in range(rounds):
        v0 = v0 + v1
        v1 = _rotate_left(v1, 13) ^ v0
        v0 = _rotate_left(v0, 32)
        v2 = v2 + v3
        v3 = _rotate_left(v3, 16) ^ v2
        v0 = v0 + v3
        v3 = _rotate_left(v3, 21) ^ v0
        v2 = v2 + v1
        v1 = _rotate_left(v1, 17) ^ v2
        v2 = _rotate_left(v2, 32)
    return v0, v1, v2, v3


def _rotate_left(value, shift):
    return (value << _U64(shift)) | (value >> _U64(64 - shift))


def _siphash(data, length, key):
    count = data.shape[0]
    k0, k1 = (np.full(count, _U64(k), dtype=_U64) for k in key)
    # The four lanes start as the key mixed with the ASCII of "somepseudorandomlygeneratedbytes".
    v0 = k0 ^ _U64(0x736F6D6570736575)
    v1 = k1 ^ _U64(0x646F72616E646F6D)
    v2 = k0 ^ _U64(0x6C7967656E657261)
    v3 = k1 ^ _U64(0x7465646279746573)
    full = length // 8 * 8
    # The last block holds the leftover bytes with the length's low byte on top.
    tail = np.zeros((count, 8), dtype=np.uint8)
    tail[:, :length - full] = data[:, full:length]
    tail[:, 7] = length & 0xFF
    blocks = [_fetch64(data, start) for start in range(0, full, 8)] + [_fetch64(tail, 0)]
    for block in blocks:
        v3 = v3 ^ block
        v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
        v0 = v0 ^ block
    v2 = v2 ^ _U64(0xFF)
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def hash_strings(strings, salt=None):
    """64-bit hashes of byte strings: FarmHash ``Fingerprint64``, or SipHash-2-4 keyed by
    ``salt`` (TensorFlow's ``to_hash_bucket_fast`` / ``to_hash_bucket_strong`` before the
    modulo).

    Args:
        strings: a sequence of ``bytes``.
        salt: None, or two unsigned 64-bit ints (the SipHash key).

    Returns:
        A ``uint64`` NumPy array, one hash per string.

    Example:
        >>> hash_strings([b"A"]) % 3  # array([1], dtype=uint64), as Keras's Hashing(3)
    """
    out = np.zeros(len(strings), dtype=_U64)
    by_length = {}
    for i, s in enumerate(strings):
        by_length.setdefault(len(s), []).append(i)
    for length, rows in by_length.items():
        # (values of this length, bytes): one vectorized pass per distinct length.
        data = np.frombuffer(b"".join(strings[i] for i in rows), dtype=np.uint8)
        data = data.reshape(len(rows), length) if length else np.zeros((len(rows), 0), np.uint8)
        if salt is None:
            out[rows] = _farm_fingerprint(data, length)
        else:
            out[rows] = _siphash(data, length, salt)
    return out


def _as_text(values):
    """Each value's bytes as TensorFlow's ``as_string`` writes them: ints in decimal, floats
    truncated to int64 first, strings as UTF-8."""
    if values.dtype.kind in "US":
        return [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in values]
    if values.dtype.kind == "O":
        return [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in values]
    if values.dtype.kind == "f":
        values = values.astype(np.int64)  # truncates toward zero, as tf.cast does
    return [str(int(v)).encode("ascii") for v in values]


def hash_to_bins(values, num_bins, salt=None):
    """Bucket numbers in ``[0, num_bins)`` for a NumPy array of ints, floats or strings.

    Args:
        values: a NumPy array (any shape).
        num_bins: the number of buckets.
        salt: None (FarmHash) or a pair of ints (SipHash key).

    Returns:
        An int64 array shaped like ``values``.

    Example:
        >>> hash_to_bins(np.array([0, 1]), 7)  # array([2, 5])
    """
    values = np.asarray(values)
    unique, inverse = np.unique(values.reshape(-1), return_inverse=True)
    hashes = hash_strings(_as_text(unique), salt) % _U64(num_bins)
    return hashes.astype(np.int64)[inverse].reshape(values.shape)


class Hashing(Layer):
    """Hashes each value to a bucket in ``[0, num_bins)``, with Keras's exact bucket numbers.

    A value is hashed through its text: integers in decimal (``12`` hashes ``b"12"``), floats
    truncated to integers first, strings as UTF-8. Without ``salt`` the hash is FarmHash
    ``Fingerprint64``; with ``salt`` it is SipHash-2-4 keyed by the salt. The bucket is the
    hash modulo the number of buckets.

    The layer runs on the host (NumPy); in a model it works eagerly on torch, and on JAX in
    a model compiled with ``jit_compile=False``. Hashing in the input pipeline is cheaper.

    Args:
        num_bins: the number of buckets, including the mask bucket when ``mask_value`` is set.
        mask_value: a value sent to bucket 0; the others then go to ``[1, num_bins)``.
        salt: None (FarmHash), an int (used twice as the SipHash key) or a pair of ints.
        output_mode: ``"int"`` (bucket numbers, the default), ``"one_hot"``, ``"multi_hot"``
            or ``"count"`` (encoded over ``num_bins``, as in CategoryEncoding).
        sparse: must stay False: sparse outputs exist on TensorFlow only.
        dtype: the output dtype; ``"int64"`` for ``"int"`` output, floatx otherwise.

    Returns:
        Bucket numbers shaped like the input, or the encoded buckets.

    Example:
        >>> layer = lamina.layers.Hashing(num_bins=3)
        >>> layer(np.array([["A"], ["B"], ["C"]]))  # [[1], [0], [1]]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else backend.floatx()
        super().__init__(**kwargs)
        if num_bins is None or not isinstance(num_bins, (int, np.integer)) or num_bins <= 0:
            raise ValueError(
                f"Hashing: `num_bins` must be a positive integer. Received: "
                f"num_bins={num_bins!r}."
            )
        if output_mode not in _OUTPUT_MODES:
            raise ValueError(
                f"Hashing: `output_mode` must be one of {_OUTPUT_MODES}. Received: "
                f"output_mode={output_mode!r}."
            )
        if output_mode == "int" and self.compute_dtype not in ("int32", "int64"):
            raise ValueError(
                f'Hashing: with output_mode="int" the `dtype` must be "int32" or "int64". '
                f"Received: dtype={kwargs['dtype']!r}."
            )
        if sparse and output_mode == "int":
            raise ValueError(
                'Hashing: `sparse=True` applies only to output_mode "one_hot", "multi_hot" '
                f'or "count". Received: sparse={sparse}, output_mode="{output_mode}".'
            )
        category_encoding.check_sparse("Hashing", sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, (int, np.integer)):
                salt = [int(salt), int(salt)]
            else:
                raise ValueError(
                    "Hashing: `salt` must be an int or a pair of ints (the SipHash key). "
                    f"Received: salt={salt!r}."
                )
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = salt
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        # Keras's flag for layers that cannot run inside a compiled step.
        self.supports_jit = False
        self.autocast = False

    def _convert_input(self, x):
        # Host data stays NumPy: strings have no tensor form, and JAX (without x64) would
        # narrow int64 values, changing their text and so their hash.
        if isinstance(x, (np.ndarray, np.generic, list, tuple, int, float, str, bytes)):
            return np.asarray(x)
        return super()._convert_input(x)

    def call(self, inputs):
        if isinstance(inputs, np.ndarray):
            values = inputs
        else:
            values = category_encoding.concrete_values(inputs)
            if values is None:
                raise ValueError(_TRACED.format(name=self.name))
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1  # bucket 0 is kept for the mask
            masked = values == self.mask_value
        indices = hash_to_bins(values, bins, self.salt)
        if masked is not None:
            indices = np.where(masked, 0, indices + 1)
        indices = ops.convert_to_tensor(indices, dtype="int64")
        return category_encoding.encode_categorical_inputs(
            indices, self.output_mode, self.num_bins, self.compute_dtype, layer=self)

    def compute_output_shape(self, input_shape):
        return category_encoding.encoded_shape(input_shape, self.output_mode, self.num_bins)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        })
        return config
