"""lamina.initializers.STFT: Fourier kernels against NumPy's FFT, named windows against
SciPy, values, names and configs against Keras 3."""

import inspect

import numpy as np
import pytest

import lamina
from lamina import initializers
from lamina import ops
from lamina.initializers import stft_initializer

SHAPE = (16, 1, 9)  # frame_length 16, transform length 16 -> 9 bins


def _values(initializer, shape=SHAPE, dtype=None):
    return np.asarray(ops.convert_to_numpy(initializer(shape, dtype=dtype)))


# -- the math ------------------------------------------------------------------------------------
def test_unwindowed_kernels_compute_numpys_rfft():
    frame = np.random.default_rng(0).normal(size=16)
    real = _values(initializers.STFT("real", window=None))[:, 0, :]
    imag = _values(initializers.STFT("imag", window=None))[:, 0, :]
    expected = np.fft.rfft(frame)
    np.testing.assert_allclose(frame @ real, expected.real, atol=1e-5)
    np.testing.assert_allclose(frame @ imag, expected.imag, atol=1e-5)


@pytest.mark.parametrize("scaling, norm", [("density", lambda w: np.sqrt(np.sum(w ** 2))),
                                           ("spectrum", lambda w: np.sum(np.abs(w))),
                                           (None, lambda w: 1.0)])
def test_windowed_kernels_compute_the_scaled_rfft_of_the_windowed_frame(scaling, norm):
    frame = np.random.default_rng(1).normal(size=16)
    window = np.hanning(16)  # NumPy's Hann window is the symmetric one
    real = _values(initializers.STFT("real", "hann", scaling))[:, 0, :]
    imag = _values(initializers.STFT("imag", "hann", scaling))[:, 0, :]
    expected = np.fft.rfft(frame * window) / norm(window)
    np.testing.assert_allclose(frame @ real, expected.real, atol=1e-5)
    np.testing.assert_allclose(frame @ imag, expected.imag, atol=1e-5)


def test_frame_shorter_than_the_transform_uses_the_transform_length_of_the_bins():
    # 10 window samples, 9 bins: the basis is that of a 16-point transform, cut to 10 taps.
    frame = np.random.default_rng(2).normal(size=10)
    real = _values(initializers.STFT("real", window=None), (10, 1, 9))[:, 0, :]
    np.testing.assert_allclose(frame @ real, np.fft.rfft(frame, 16).real, atol=1e-5)


def test_array_window_is_used_as_given():
    window = np.linspace(0.1, 1.0, 16)
    kernel = _values(initializers.STFT("real", window.tolist(), None))
    unwindowed = _values(initializers.STFT("real", None))
    np.testing.assert_allclose(kernel, unwindowed * window[:, None, None], atol=1e-6)


def test_every_input_channel_gets_the_same_kernel():
    kernel = _values(initializers.STFT("imag"), (8, 3, 5))
    assert kernel.shape == (8, 3, 5)
    np.testing.assert_array_equal(kernel[:, 0], kernel[:, 2])


@pytest.mark.parametrize("dtype", [None, "float16"])
def test_kernel_has_the_requested_dtype(dtype):
    assert _values(initializers.STFT(), dtype=dtype).dtype == np.dtype(dtype or "float32")


@pytest.mark.parametrize("name", stft_initializer.WINDOW_NAMES)
@pytest.mark.parametrize("periodic", [False, True])
@pytest.mark.parametrize("size", [1, 7, 8])
def test_named_windows_match_scipy(name, periodic, size):
    signal = pytest.importorskip("scipy.signal")
    np.testing.assert_allclose(stft_initializer.window_values(name, size, periodic),
                               signal.get_window(name, size, fftbins=periodic), atol=1e-12)


# -- names, configs, errors ---------------------------------------------------------------------
def test_aliases_name_the_same_class_as_in_keras():
    assert initializers.STFTInitializer is initializers.STFT
    assert initializers.stft is initializers.STFT
    assert isinstance(initializers.get("stft"), initializers.STFT)
    assert isinstance(initializers.get("STFTInitializer"), initializers.STFT)


def test_config_round_trips_with_array_window():
    initializer = initializers.STFT("imag", np.ones(16), "spectrum", True)
    config = initializer.get_config()
    assert config == {"side": "imag", "window": [1.0] * 16, "periodic": True,
                      "scaling": "spectrum"}
    clone = initializers.deserialize(initializers.serialize(initializer))
    np.testing.assert_array_equal(_values(clone), _values(initializer))


def test_errors_name_the_argument_and_the_value():
    with pytest.raises(ValueError, match=r"`side` must be 'real' or 'imag'.*side='both'"):
        initializers.STFT("both")
    with pytest.raises(ValueError, match=r"`window` must be one of .*window='kaiser'"):
        initializers.STFT(window="kaiser")
    with pytest.raises(ValueError, match=r"`scaling` must be .*scaling='l2'"):
        initializers.STFT(scaling="l2")
    with pytest.raises(ValueError, match=r"rank 3.*\(16, 9\)"):
        initializers.STFT()((16, 9))
    with pytest.raises(ValueError, match=r"frame_length=16 values.*\(4,\)"):
        initializers.STFT(window=[1.0, 1.0, 1.0, 1.0])(SHAPE)


# -- parity with Keras 3 -------------------------------------------------------------------------
@pytest.mark.parametrize("side", ["real", "imag"])
@pytest.mark.parametrize("window, scaling, periodic", [
    ("hann", "density", False), ("hamming", "spectrum", True), ("blackman", None, False),
    ("bartlett", "density", True), (None, "density", False)])
def test_values_match_keras(side, window, scaling, periodic):
    keras = pytest.importorskip("keras")
    theirs = keras.ops.convert_to_numpy(
        keras.initializers.STFT(side, window, scaling, periodic)(SHAPE))
    # Keras computes the phase in float32 (errors of a few 1e-6); ours is exact in float64.
    np.testing.assert_allclose(_values(initializers.STFT(side, window, scaling, periodic)),
                               theirs, atol=1e-5)


def test_config_and_serialization_match_keras():
    keras = pytest.importorskip("keras")
    args = ("imag", "hamming", "spectrum", True)
    theirs = keras.initializers.serialize(keras.initializers.STFT(*args))
    ours = lamina.initializers.serialize(initializers.STFT(*args))
    assert ours["class_name"] == theirs["class_name"] == "STFT"
    assert ours["config"] == theirs["config"]
    loaded = initializers.deserialize(theirs)
    np.testing.assert_allclose(_values(loaded), keras.ops.convert_to_numpy(
        keras.initializers.STFT(*args)(SHAPE)), atol=1e-5)


def test_constructor_arguments_match_keras():
    keras = pytest.importorskip("keras")
    assert inspect.signature(initializers.STFT) == inspect.signature(keras.initializers.STFT)
