"""The Fourier ops (fft, fft2, ifft2, rfft, irfft, stft, istft, extract_sequences, complex views),
segment_max, erfc, and the NumPy window and comparison extras (hamming ... kaiser, allclose,
fmax, fmin, i0, nextafter): values against NumPy, values and dtypes against Keras 3, round trips,
gradients and error text."""

import math

import numpy as np
import pytest

import lamina
from lamina import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
REAL = RNG.normal(size=(2, 3, 8)).astype("float32")
IMAG = RNG.normal(size=(2, 3, 8)).astype("float32")
SIGNAL = RNG.normal(size=(2, 33)).astype("float32")
# JAX without jax_enable_x64 has no float64: those cases run on engines that have it.
HAS_FLOAT64 = str(ops.convert_to_numpy(ops.convert_to_tensor(np.float64([1.0]))).dtype) == "float64"
needs_float64 = pytest.mark.skipif(not HAS_FLOAT64, reason="the engine has no float64 enabled")


def _np(x):
    return ops.convert_to_numpy(x)


def _close(got, expected, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(_np(got), expected, rtol=rtol, atol=atol, equal_nan=True)


def _dtype(x):
    return lamina.backend.standardize_dtype(x.dtype)


def _keras_dtype(x):
    return keras.backend.standardize_dtype(x.dtype)


# -- FFTs against numpy.fft ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, reference",
    [("fft", np.fft.fft), ("fft2", np.fft.fft2), ("ifft2", np.fft.ifft2)],
)
def test_complex_fft_matches_numpy(name, reference):
    real, imag = getattr(ops, name)((REAL, IMAG))
    expected = reference(REAL + 1j * IMAG)
    _close(real, expected.real, atol=1e-4)
    _close(imag, expected.imag, atol=1e-4)
    assert _dtype(real) == _dtype(imag) == "float32"


@pytest.mark.parametrize("fft_length", [None, 5, 8, 12])
def test_rfft_matches_numpy(fft_length):
    real, imag = ops.rfft(REAL, fft_length=fft_length)
    expected = np.fft.rfft(REAL, n=fft_length)
    _close(real, expected.real, atol=1e-4)
    _close(imag, expected.imag, atol=1e-4)


@pytest.mark.parametrize("fft_length", [None, 6, 9])
def test_irfft_matches_numpy(fft_length):
    spectrum = np.fft.rfft(REAL)
    got = ops.irfft((spectrum.real.astype("float32"), spectrum.imag.astype("float32")),
                    fft_length=fft_length)
    _close(got, np.fft.irfft(spectrum, n=fft_length), atol=1e-5)


def test_irfft_inverts_rfft():
    _close(ops.irfft(ops.rfft(REAL)), REAL)


@needs_float64
def test_rfft_keeps_float64():
    real, imag = ops.rfft(REAL.astype("float64"))
    assert _dtype(real) == _dtype(imag) == "float64"


@pytest.mark.parametrize("name", ["fft", "fft2", "ifft2", "irfft"])
def test_complex_ffts_match_keras(name):
    got = getattr(ops, name)((REAL, IMAG))
    expected = getattr(keras.ops, name)((REAL, IMAG))
    if name == "irfft":
        got, expected = (got,), (expected,)
    for g, e in zip(got, expected):
        _close(g, keras.ops.convert_to_numpy(e), atol=1e-4)
        assert _dtype(g) == _keras_dtype(e)


def _magnitude_loss(x):
    real, imag = ops.rfft(x)
    return ops.sum(ops.sqrt(real * real + imag * imag + 1e-6))


def test_rfft_magnitude_loss_is_differentiable():
    x = lamina.Variable(SIGNAL)
    _, (grad,) = lamina.backend.value_and_grad(lambda: _magnitude_loss(x.value), [x])
    grad = _np(grad)
    assert grad.shape == SIGNAL.shape and np.all(np.isfinite(grad))
    # Central finite difference on one element, in float64 NumPy.
    eps, plus, minus = 1e-3, SIGNAL.astype("float64"), SIGNAL.astype("float64")
    plus[0, 3] += eps
    minus[0, 3] -= eps

    def reference(signal):
        return np.sum(np.sqrt(np.abs(np.fft.rfft(signal)) ** 2 + 1e-6))

    numeric = (reference(plus) - reference(minus)) / (2 * eps)
    np.testing.assert_allclose(grad[0, 3], numeric, rtol=1e-3, atol=1e-3)


def test_stft_is_differentiable():
    x = lamina.Variable(SIGNAL)

    def loss():
        real, imag = ops.stft(x.value, 8, 4, 16)
        return ops.sum(real * real + imag * imag)

    _, (grad,) = lamina.backend.value_and_grad(loss, [x])
    assert np.all(np.isfinite(_np(grad))) and np.any(_np(grad) != 0)


# -- complex views --------------------------------------------------------------------------------
def test_view_as_complex_and_back():
    pairs = RNG.normal(size=(3, 4, 2)).astype("float32")
    z = ops.view_as_complex(pairs)
    assert _dtype(z) == "complex64" and tuple(z.shape) == (3, 4)
    np.testing.assert_allclose(_np(z), pairs[..., 0] + 1j * pairs[..., 1])
    back = ops.view_as_real(z)
    assert _dtype(back) == "float32"
    _close(back, pairs)


def test_view_as_complex_names_the_bad_shape():
    with pytest.raises(ValueError, match=r"last axis of size 2.*\(3, 3\)"):
        ops.view_as_complex(np.zeros((3, 3), "float32"))


def test_view_as_real_refuses_real_input():
    with pytest.raises(ValueError, match="complex tensor; got dtype float32"):
        ops.view_as_real(np.zeros((3,), "float32"))


# -- framing and STFT -----------------------------------------------------------------------------
def test_extract_sequences_matches_numpy_and_keras():
    got = ops.extract_sequences(SIGNAL, 5, 3)
    windows = np.lib.stride_tricks.sliding_window_view(SIGNAL, 5, axis=-1)[..., ::3, :]
    _close(got, windows)
    assert tuple(got.shape) == tuple(keras.ops.extract_sequences(SIGNAL, 5, 3).shape)


STFT_CASES = [
    (8, 4, 16, "hann", True),
    (8, 3, 8, "hann", True),
    (7, 2, 10, "hamming", True),
    (8, 4, 16, "hamming", False),
    (8, 5, 8, None, True),
    (7, 2, 10, None, False),
]


@pytest.mark.parametrize("sequence_length, sequence_stride, fft_length, window, center",
                         STFT_CASES)
def test_stft_and_istft_match_keras(sequence_length, sequence_stride, fft_length, window, center):
    args = (sequence_length, sequence_stride, fft_length)
    got = ops.stft(SIGNAL, *args, window=window, center=center)
    expected = keras.ops.stft(SIGNAL, *args, window=window, center=center)
    for g, e in zip(got, expected):
        assert _dtype(g) == _keras_dtype(e)
        _close(g, keras.ops.convert_to_numpy(e), atol=1e-4)
    for length in (None, 20):
        inverse = ops.istft(got, *args, length=length, window=window, center=center)
        reference = keras.ops.istft(expected, *args, length=length, window=window, center=center)
        assert _dtype(inverse) == _keras_dtype(reference)
        _close(inverse, keras.ops.convert_to_numpy(reference), atol=1e-4)


def test_stft_matches_a_numpy_reference():
    # Reflect-pad, frame, window with a periodic Hann of 8 centred in 16, transform.
    padded = np.pad(SIGNAL, [(0, 0), (8, 8)], mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, 16, axis=-1)[..., ::4, :]
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(8) / 8)
    expected = np.fft.rfft(frames * np.pad(hann, (4, 4)))
    real, imag = ops.stft(SIGNAL, 8, 4, 16)
    _close(real, expected.real, atol=1e-4)
    _close(imag, expected.imag, atol=1e-4)


@pytest.mark.parametrize("window", ["hann", "hamming"])
def test_istft_inverts_stft(window):
    spectrum = ops.stft(SIGNAL, 16, 4, 16, window=window)
    _close(ops.istft(spectrum, 16, 4, 16, length=33, window=window), SIGNAL, atol=1e-4)


def test_stft_accepts_a_window_tensor():
    window = np.hamming(8).astype("float32")
    got = ops.stft(SIGNAL, 8, 4, 8, window=window)
    expected = keras.ops.stft(SIGNAL, 8, 4, 8, window=window)
    _close(got[0], keras.ops.convert_to_numpy(expected[0]), atol=1e-4)


def test_stft_names_a_bad_window_shape():
    with pytest.raises(ValueError, match=r"`window` of shape \(8,\).*got shape \(5,\)"):
        ops.stft(SIGNAL, 8, 4, 8, window=np.ones(5, "float32"))


def test_stft_names_an_unknown_window():
    with pytest.raises(ValueError, match="'hann', 'hamming'.*'boxcar'"):
        ops.stft(SIGNAL, 8, 4, 8, window="boxcar")


def test_stft_needs_fft_length_at_least_sequence_length():
    with pytest.raises(ValueError, match="fft_length=4, sequence_length=8"):
        ops.stft(SIGNAL, 8, 4, 4)


def test_fft_names_a_non_pair_input():
    with pytest.raises(ValueError, match=r"`fft` expects `x` as a tuple `\(real, imag\)`"):
        ops.fft(REAL)


def test_fft2_names_mismatched_shapes():
    with pytest.raises(ValueError, match=r"shapes \(2, 3, 8\) and \(3, 8\)"):
        ops.fft2((REAL, IMAG[0]))


def test_rfft_names_a_bad_fft_length():
    with pytest.raises(ValueError, match="`fft_length` to be a positive integer; got 0"):
        ops.rfft(REAL, fft_length=0)


# -- segment_max and erfc --------------------------------------------------------------------------
def test_segment_max_matches_keras_with_empty_segments():
    data = np.array([1.0, 5.0, 3.0, 2.0], "float32")
    ids = np.array([0, 0, 2, 2])
    got = ops.segment_max(data, ids, num_segments=4)
    expected = keras.ops.segment_max(data, ids, num_segments=4)
    _close(got, keras.ops.convert_to_numpy(expected))
    assert _dtype(got) == _keras_dtype(expected)


def test_segment_max_over_rows():
    data = RNG.normal(size=(5, 3)).astype("float32")
    ids = np.array([0, 1, 0, 1, 1])
    expected = np.stack([data[ids == 0].max(0), data[ids == 1].max(0)])
    _close(ops.segment_max(data, ids), expected)


@pytest.mark.parametrize("x", [np.linspace(-3, 6, 7).astype("float32"), np.int32([0, 1, 2])])
def test_erfc_matches_math_and_keras(x):
    got = ops.erfc(x)
    _close(got, [math.erfc(v) for v in x.astype("float64")], rtol=1e-5, atol=1e-7)
    assert _dtype(got) == _keras_dtype(keras.ops.erfc(x))


# -- windows --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["hamming", "hanning", "bartlett", "blackman"])
@pytest.mark.parametrize("size", [0, 1, 2, 7, 16])
def test_windows_match_numpy_and_keras(name, size):
    got = getattr(ops, name)(size)
    _close(got, getattr(np, name)(size), atol=1e-6)
    assert _dtype(got) == _keras_dtype(getattr(keras.ops, name)(size)) == "float32"


@pytest.mark.parametrize("size, beta", [(1, 2.0), (5, 3.0), (12, 8.6), (7, 0.0)])
def test_kaiser_matches_numpy_and_keras(size, beta):
    got = ops.kaiser(size, beta)
    _close(got, np.kaiser(size, beta), atol=1e-6)
    expected = keras.ops.kaiser(size, beta)
    _close(got, keras.ops.convert_to_numpy(expected), atol=1e-5)
    assert _dtype(got) == _keras_dtype(expected)


def test_window_names_a_non_integer_length():
    with pytest.raises(ValueError, match="`hamming` expects `x`, the window length, as an integer"):
        ops.hamming(2.5)


def test_windows_live_in_the_numpy_namespace():
    assert ops.numpy.kaiser is ops.kaiser and ops.numpy.hanning is ops.hanning


# -- comparisons and special functions ------------------------------------------------------------
NAN_A = np.array([1.0, np.nan, 3.0, -0.5, np.nan], "float32")
NAN_B = np.array([np.nan, 2.0, 1.0, 0.5, np.nan], "float32")


@pytest.mark.parametrize("name", ["fmax", "fmin"])
@pytest.mark.parametrize(
    "x1, x2",
    [(NAN_A, NAN_B), (np.int32([1, 7, -3]), np.int32([4, 2, -5])), (NAN_A, 0.0),
     (np.int32([1, 7]), np.float32([2.5, 3.5]))],
)
def test_fmax_fmin_match_numpy_and_keras(name, x1, x2):
    got = getattr(ops, name)(x1, x2)
    _close(got, getattr(np, name)(x1, x2))
    assert _dtype(got) == _keras_dtype(getattr(keras.ops, name)(x1, x2))


@pytest.mark.parametrize(
    "x1, x2, kwargs",
    [(NAN_A, NAN_A, {}), (NAN_A, NAN_A, {"equal_nan": True}),
     (np.float32([1.0, 2.0]), np.float32([1.0, 2.001]), {}),
     (np.float32([1.0, 2.0]), np.float32([1.0, 2.001]), {"rtol": 1e-3}),
     (np.float32([1.0, 2.0]), np.float32([1.0, 2.001]), {"atol": 0.01}),
     (np.int32([1, 2]), np.int32([1, 2]), {}), (np.int32([1, 2]), np.int32([1, 3]), {})],
)
def test_allclose_matches_numpy_and_keras(x1, x2, kwargs):
    got = ops.allclose(x1, x2, **kwargs)
    assert bool(_np(got)) == np.allclose(x1, x2, **kwargs)
    expected = keras.ops.allclose(x1, x2, **kwargs)
    assert _dtype(got) == _keras_dtype(expected) == "bool"


@pytest.mark.parametrize(
    "x", [np.linspace(-4, 4, 9).astype("float32"), np.int32([0, 1, 3]),
          pytest.param(np.linspace(-2, 2, 5), marks=needs_float64),
          pytest.param(np.int64([0, 2]), marks=needs_float64)],
)
def test_i0_matches_numpy_and_keras(x):
    got = ops.i0(x)
    _close(got, np.i0(x.astype("float64")), rtol=1e-5)
    assert _dtype(got) == _keras_dtype(keras.ops.i0(x))


@pytest.mark.parametrize("dtype", ["float32", pytest.param("float64", marks=needs_float64)])
def test_nextafter_steps_one_ulp_like_numpy(dtype):
    x1 = np.array([1.0, 0.0, -2.0, 5.0], dtype)
    x2 = np.array([2.0, -1.0, -3.0, 5.0], dtype)
    got = _np(ops.nextafter(x1, x2))
    np.testing.assert_array_equal(got, np.nextafter(x1, x2))
    assert got.dtype == np.dtype(dtype)


def test_nextafter_dtype_matches_keras_for_float32_and_ints():
    for x1, x2 in [(np.float32([1.0]), np.float32([2.0])), (np.int32([1]), np.int32([2]))]:
        assert _dtype(ops.nextafter(x1, x2)) == _keras_dtype(keras.ops.nextafter(x1, x2))


def test_numpy_extras_live_in_the_numpy_namespace():
    for name in ["allclose", "fmax", "fmin", "i0", "nextafter"]:
        assert getattr(ops.numpy, name) is getattr(ops, name)


def test_symbolic_stft_infers_its_shape():
    inputs = lamina.Input(shape=(33,))
    real, imag = ops.stft(inputs, 8, 4, 16)
    assert tuple(real.shape) == (None, 9, 9) and tuple(imag.shape) == (None, 9, 9)


def test_segment_max_of_integers_matches_keras():
    data, ids = np.int32([1, 5, 3]), np.array([0, 0, 2])
    got = ops.segment_max(data, ids)
    expected = keras.ops.segment_max(data, ids)
    np.testing.assert_array_equal(_np(got), keras.ops.convert_to_numpy(expected))
    assert _dtype(got) == _keras_dtype(expected)


def test_extract_sequences_names_a_short_signal():
    with pytest.raises(ValueError, match="at least `sequence_length`.*got length 33"):
        ops.extract_sequences(SIGNAL, 40, 2)
