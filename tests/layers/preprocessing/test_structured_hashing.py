"""Hashing: bucket numbers equal to Keras's (TensorFlow's FarmHash Fingerprint64 and
SipHash-2-4), checked against a scalar pure-Python reference, values recorded from
Keras 3.15.1 on TensorFlow 2.21, and Keras itself where TensorFlow is installed."""

import json

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.layers.preprocessing.hashing import Hashing
from lamina.layers.preprocessing.hashing import hash_strings

from ..layer_checks import keras
from ..layer_checks import to_numpy

MASK64 = 2**64 - 1
K0, K1, K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F


# -- a scalar reference, one string at a time with Python ints ------------------------------
def _u64(b, i):
    return int.from_bytes(b[i:i + 8], "little")


def _u32(b, i):
    return int.from_bytes(b[i:i + 4], "little")


def _rot(v, s):
    return ((v >> s) | (v << (64 - s))) & MASK64


def _mix16(u, v, mul):
    a = ((u ^ v) * mul) & MASK64
    a ^= a >> 47
    b = ((v ^ a) * mul) & MASK64
    b ^= b >> 47
    return (b * mul) & MASK64


def _farmhash64(b):
    """FarmHash Fingerprint64 for strings of up to 32 bytes (every int64's decimal text)."""
    n = len(b)
    mul = (K2 + 2 * n) & MASK64
    if n > 16:
        a, bb = (_u64(b, 0) * K1) & MASK64, _u64(b, 8)
        c, d = (_u64(b, n - 8) * mul) & MASK64, (_u64(b, n - 16) * K2) & MASK64
        return _mix16((_rot((a + bb) & MASK64, 43) + _rot(c, 30) + d) & MASK64,
                      (a + _rot((bb + K2) & MASK64, 18) + c) & MASK64, mul)
    if n >= 8:
        a, bb = (_u64(b, 0) + K2) & MASK64, _u64(b, n - 8)
        c = (_rot(bb, 37) * mul + a) & MASK64
        d = ((_rot(a, 25) + bb) * mul) & MASK64
        return _mix16(c, d, mul)
    if n >= 4:
        return _mix16((n + (_u32(b, 0) << 3)) & MASK64, _u32(b, n - 4), mul)
    if n:
        y = (b[0] + (b[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (b[n - 1] << 2)) & 0xFFFFFFFF
        v = ((y * K2) ^ (z * K0)) & MASK64
        return ((v ^ (v >> 47)) * K2) & MASK64
    return K2


def _siphash24(b, k0, k1):
    """SipHash-2-4 with the 128-bit key ``(k0, k1)``."""
    def rotl(v, s):
        return ((v << s) | (v >> (64 - s))) & MASK64

    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(count):
        for _ in range(count):
            v[0] = (v[0] + v[1]) & MASK64
            v[1] = rotl(v[1], 13) ^ v[0]
            v[0] = rotl(v[0], 32)
            v[2] = (v[2] + v[3]) & MASK64
            v[3] = rotl(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & MASK64
            v[3] = rotl(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & MASK64
            v[1] = rotl(v[1], 17) ^ v[2]
            v[2] = rotl(v[2], 32)

    tail = b[len(b) // 8 * 8:] + bytes(7 - len(b) % 8) + bytes([len(b) & 0xFF])
    for block in [b[i:i + 8] for i in range(0, len(b) // 8 * 8, 8)] + [tail]:
        m = int.from_bytes(block, "little")
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _reference_bins(values, num_bins, salt=None):
    text = [str(int(v)).encode() for v in np.asarray(values).reshape(-1)]
    hashes = [_farmhash64(t) if salt is None else _siphash24(t, *salt) for t in text]
    return np.array([h % num_bins for h in hashes]).reshape(np.shape(values))


INTS = np.array([[0, 1, -5, 123456789, 2**62, -2**63]], dtype="int64")


# -- the hash functions -------------------------------------------------------------------
def test_fingerprint64_equals_the_farmhash_library_values():
    # FarmHash's C++ Fingerprint64 (via pyfarmhash) of the decimal text of 0, 1, -5 and
    # 123456789.
    got = hash_strings([b"0", b"1", b"-5", b"123456789"])
    assert got.tolist() == [15198969275252572735, 9304157803607034849,
                            17702585896903905816, 7102376421209267306]


@pytest.mark.parametrize("salt", [None, (133, 137), (2**63 + 5, 1)])
def test_vectorized_hashes_equal_the_scalar_reference_for_every_length(salt):
    rng = np.random.default_rng(0)
    strings = [bytes(rng.integers(0, 256, size=n, dtype=np.uint8)) for n in range(0, 33)
               for _ in range(3)]
    got = hash_strings(strings, None if salt is None else list(salt))
    expected = [_farmhash64(s) if salt is None else _siphash24(s, *salt) for s in strings]
    assert got.tolist() == expected


# -- the layer, against recorded Keras values and the reference ----------------------------
@pytest.mark.parametrize("kwargs, expected", [
    ({"num_bins": 7}, [[2, 5, 0, 3, 2, 3]]),
    ({"num_bins": 1000003}, [[537292, 361198, 537901, 924877, 35490, 400334]]),
    ({"num_bins": 1000003, "salt": [133, 137]},
     [[876599, 544600, 44392, 518773, 388311, 247356]]),
    ({"num_bins": 5, "mask_value": 0}, [[0, 2, 1, 3, 4, 1]]),
])
def test_integer_buckets_equal_keras_on_tensorflow(kwargs, expected):
    # Recorded from keras.layers.Hashing in Keras 3.15.1 with TensorFlow 2.21.
    got = to_numpy(Hashing(**kwargs)(INTS))
    np.testing.assert_array_equal(got, expected)
    salt = kwargs.get("salt")
    bins = kwargs["num_bins"] - ("mask_value" in kwargs)
    reference = _reference_bins(INTS, bins, salt) + ("mask_value" in kwargs)
    if "mask_value" in kwargs:
        reference = np.where(INTS == kwargs["mask_value"], 0, reference)
    np.testing.assert_array_equal(got, reference)


@pytest.mark.parametrize("kwargs, inputs, expected", [
    ({"num_bins": 3}, ["A", "B", "C", "D", "E"], [1, 0, 1, 1, 2]),
    ({"num_bins": 3, "mask_value": ""}, ["A", "B", "", "C", "D"], [1, 1, 0, 2, 2]),
    ({"num_bins": 3, "salt": [133, 137]}, ["A", "B", "C", "D", "E"], [1, 2, 1, 0, 2]),
    ({"num_bins": 3, "salt": 133}, ["A", "B", "C", "D", "E"], [0, 0, 2, 1, 0]),
])
def test_string_buckets_equal_the_keras_docstring(kwargs, inputs, expected):
    got = to_numpy(Hashing(**kwargs)(np.array([[s] for s in inputs])))
    np.testing.assert_array_equal(got[:, 0], expected)


def test_floats_are_truncated_to_integers_before_hashing():
    # Keras on TensorFlow gives [[361198, 770841]]: the buckets of 1 and -2.
    got = to_numpy(Hashing(num_bins=1000003)(np.array([[1.7, -2.5]])))
    np.testing.assert_array_equal(got, [[361198, 770841]])


def test_backend_tensor_inputs_hash_like_numpy():
    x = np.array([[3, 99, -7]], "int32")
    layer = Hashing(num_bins=11)
    np.testing.assert_array_equal(to_numpy(layer(ops.convert_to_tensor(x))),
                                  to_numpy(layer(x)))


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_encoded_outputs_encode_the_integer_buckets(mode):
    x = np.array([[1], [2], [30]]) if mode == "one_hot" else np.array([[1, 2, 2], [30, 4, 1]])
    ids = to_numpy(Hashing(num_bins=4)(x))
    got = to_numpy(Hashing(num_bins=4, output_mode=mode)(x))
    rows = np.eye(4)[ids[:, 0] if mode == "one_hot" else ids]
    expected = rows if mode == "one_hot" else rows.sum(axis=1)
    if mode == "multi_hot":
        expected = np.minimum(expected, 1)
    np.testing.assert_array_equal(got, expected)
    assert str(got.dtype) == "float32"


def test_int_output_is_int64_by_default():
    assert str(to_numpy(Hashing(num_bins=3)(np.array([[1]]))).dtype) in ("int64", "int32")
    assert Hashing(num_bins=3).compute_dtype == "int64"


def test_keras_oracle_where_tensorflow_is_installed():
    pytest.importorskip("tensorflow", reason="Keras's Hashing layer needs TensorFlow")
    for kwargs in ({"num_bins": 13}, {"num_bins": 13, "salt": 5}, {"num_bins": 4,
                                                                    "mask_value": 1}):
        expected = keras().layers.Hashing(**kwargs)(INTS)
        np.testing.assert_array_equal(to_numpy(Hashing(**kwargs)(INTS)), to_numpy(expected))


# -- shape, config, errors ----------------------------------------------------------------
@pytest.mark.parametrize("mode, shape, expected", [
    ("int", (None, 3), (None, 3)), ("one_hot", (None, 1), (None, 5)),
    ("one_hot", (None, 3), (None, 3, 5)), ("multi_hot", (None, 3), (None, 5)),
])
def test_compute_output_shape(mode, shape, expected):
    layer = Hashing(num_bins=5, output_mode=mode)
    assert layer.compute_output_shape(shape) == expected
    assert layer(lamina.Input(shape[1:], dtype="int32")).shape == expected


def test_config_round_trips_and_has_keras_keys():
    layer = Hashing(num_bins=9, salt=3, mask_value=0, output_mode="count", name="h")
    config = json.loads(json.dumps(layer.get_config()))
    assert config["salt"] == [3, 3] and config["dtype"] == "float32"
    assert json.loads(json.dumps(Hashing.from_config(config).get_config())) == config
    keras_keys = {"name", "trainable", "dtype", "num_bins", "salt", "mask_value",
                  "output_mode", "sparse"}  # Keras 3.15.1's Hashing.get_config
    assert set(config) == keras_keys


@pytest.mark.parametrize("kwargs, message", [
    ({"num_bins": 0}, "`num_bins` must be a positive integer"),
    ({"num_bins": 3, "salt": "x"}, "`salt` must be an int or a pair of ints"),
    ({"num_bins": 3, "dtype": "float32"}, 'with output_mode="int" the `dtype` must be'),
    ({"num_bins": 3, "output_mode": "tf_idf"}, "`output_mode` must be one of"),
    ({"num_bins": 3, "sparse": True}, "`sparse=True` applies only"),
    ({"num_bins": 3, "output_mode": "count", "sparse": True}, "needs sparse tensors"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Hashing(**kwargs)


# -- in models ----------------------------------------------------------------------------
def _model(jit_compile):
    inputs = lamina.Input((2,), dtype="int32")
    hashed = Hashing(num_bins=8, output_mode="multi_hot")(inputs)
    model = lamina.Model(inputs, lamina.layers.Dense(1)(hashed))
    model.compile(optimizer="sgd", loss="mse", jit_compile=jit_compile)
    return model


def test_fit_and_predict_in_a_functional_model():
    x = np.random.default_rng(0).integers(0, 100, size=(16, 2)).astype("int32")
    y = np.ones((16, 1), "float32")
    model = _model(jit_compile=False)
    assert np.isfinite(model.fit(x, y, batch_size=8, epochs=2, verbose=0).history["loss"]).all()
    assert model.predict(x, verbose=0).shape == (16, 1)


@pytest.mark.jax_only
def test_compiled_jax_step_explains_the_host_hash():
    x = np.zeros((4, 2), "int32")
    with pytest.raises(ValueError, match="cannot run inside a compiled .* jit_compile=False"):
        _model(jit_compile=True).fit(x, np.ones((4, 1)), verbose=0)
