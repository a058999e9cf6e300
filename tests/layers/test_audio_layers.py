"""Audio layers: STFTSpectrogram and MelSpectrogram against NumPy's FFT and against Keras 3
(same inputs, same weights); shapes, symbolic inputs, gradients, configs, .keras files and
error text."""

import inspect
import json
import warnings

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina import ops

from .layer_checks import keras
from .layer_checks import to_numpy

RNG = np.random.default_rng(0)
SIGNALS = RNG.normal(size=(2, 40, 3)).astype("float32")  # (batch, time, channels)
AUDIO = RNG.normal(size=(2, 111)).astype("float32")  # (batch, samples)
EPSILON = 1e-7


# -- NumPy references ----------------------------------------------------------------------------
def _reference_stft(x, frame_length, frame_step, fft_length, window, scaling, padding):
    """The complex STFT of ``(batch, channels, time)`` signals as ``(batch, channels, bins,
    frames)``, framed by hand and transformed with ``np.fft.rfft``."""
    time = x.shape[-1]
    if padding == "same":
        frames = -(-time // frame_step)
        total = max((frames - 1) * frame_step + frame_length - time, 0)
        x = np.pad(x, [(0, 0), (0, 0), (total // 2, total - total // 2)])
    else:
        frames = (time - frame_length) // frame_step + 1
    index = np.arange(frames)[:, None] * frame_step + np.arange(frame_length)
    norm = {"density": np.sqrt(np.sum(window ** 2)), "spectrum": np.sum(np.abs(window)),
            None: 1.0}[scaling]
    spectrum = np.fft.rfft(x[..., index].astype("float64") * window / norm, fft_length)
    return np.swapaxes(spectrum, -1, -2)


def _reference_spectrogram(x, mode, frame_length=8, frame_step=4, fft_length=16,
                           scaling="density", padding="valid", window=None):
    """``STFTSpectrogram``'s output for channels_last inputs, without ``expand_dims``."""
    window = np.hanning(frame_length) if window is None else window  # symmetric Hann
    z = _reference_stft(np.swapaxes(x, 1, 2), frame_length, frame_step, fft_length, window,
                        scaling, padding)
    power = np.abs(z) ** 2
    psd = power.copy()
    psd[:, :, 1:-1] *= 2
    out = {
        "real": z.real, "imag": z.imag, "angle": np.angle(z), "psd": psd,
        "stft": np.concatenate([z.real, z.imag], axis=2),
        "magnitude": np.sqrt(np.maximum(power, EPSILON)),
        "log": np.log(np.maximum(np.sqrt(np.maximum(power, EPSILON)), EPSILON)),
    }[mode]
    batch, channels, bins, frames = out.shape
    return np.swapaxes(out.reshape(batch, channels * bins, frames), 1, 2)


def _reference_mel(x, fft_length, sequence_stride, sampling_rate, num_mel_bins, min_freq,
                   max_freq, top_db=80.0, mag_exp=2.0, ref_power=1.0, min_power=1e-10):
    """Mel spectrogram in dB: reflect-padded frames, periodic Hann, ``np.fft.rfft``, and a
    triangular filterbank written band by band with the ``2595 log10`` form of the HTK mel
    scale."""
    pad = fft_length // 2
    x = np.pad(x.astype("float64"), [(0, 0), (pad, pad)], mode="reflect")
    frames = (x.shape[-1] - fft_length) // sequence_stride + 1
    index = np.arange(frames)[:, None] * sequence_stride + np.arange(fft_length)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(fft_length) / fft_length)
    spectrum = np.abs(np.fft.rfft(x[:, index] * window)) ** mag_exp  # (batch, frames, bins)

    def mel(f):
        return 2595.0 * np.log10(1.0 + f / 700.0)

    bins = fft_length // 2 + 1
    bin_mels = mel(np.arange(bins) * (sampling_rate / 2) / (bins - 1))
    edges = np.linspace(mel(min_freq), mel(max_freq), num_mel_bins + 2)
    bank = np.zeros((bins, num_mel_bins))
    for m in range(num_mel_bins):
        for k in range(1, bins):  # no weight on the DC bin
            lo, mid, hi = edges[m:m + 3]
            if lo < bin_mels[k] <= mid:
                bank[k, m] = (bin_mels[k] - lo) / (mid - lo)
            elif mid < bin_mels[k] < hi:
                bank[k, m] = (hi - bin_mels[k]) / (hi - mid)
    db = 10 * np.log10(np.maximum(spectrum @ bank, min_power)) - \
        10 * np.log10(max(ref_power, min_power))
    db = np.maximum(db, db.max() - top_db)
    return np.swapaxes(db, -1, -2)


def _keras_copy(layer, k, x):
    """The Keras 3 layer of the same config, built on ``x`` and given ``layer``'s weights."""
    config = {key: value for key, value in layer.get_config().items()
              if key not in ("name", "dtype")}
    theirs = getattr(k.layers, type(layer).__name__)(**config)
    theirs(x)
    theirs.set_weights(layer.get_weights())
    return theirs


# -- STFTSpectrogram: numerics -------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["log", "magnitude", "psd", "real", "imag", "stft"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_stft_spectrogram_matches_numpy_fft(mode, padding):
    layer = layers.STFTSpectrogram(mode, frame_length=8, frame_step=3, fft_length=16,
                                   padding=padding)
    expected = _reference_spectrogram(SIGNALS, mode, 8, 3, 16, padding=padding)
    np.testing.assert_allclose(to_numpy(layer(SIGNALS)), expected, rtol=1e-4, atol=1e-5)


def test_stft_spectrogram_angle_matches_numpy_fft():
    layer = layers.STFTSpectrogram("angle", frame_length=8, frame_step=4, fft_length=16,
                                   scaling="spectrum", window=np.ones(8))
    expected = _reference_spectrogram(SIGNALS, "angle", scaling="spectrum", window=np.ones(8))
    got = to_numpy(layer(SIGNALS))
    # Compare on the circle: a phase of pi and one of -pi are the same.
    np.testing.assert_allclose(np.cos(got), np.cos(expected), atol=1e-4)
    np.testing.assert_allclose(np.sin(got), np.sin(expected), atol=1e-4)


@pytest.mark.parametrize("kwargs", [
    {},
    {"mode": "stft", "frame_length": 8, "frame_step": 3, "padding": "same"},
    {"mode": "psd", "frame_length": 10, "fft_length": 16, "window": "hamming",
     "periodic": True},
    {"mode": "magnitude", "frame_length": 8, "data_format": "channels_first",
     "expand_dims": True},
    {"mode": "real", "frame_length": 7, "padding": "same", "data_format": "channels_first"},
    {"mode": "imag", "frame_length": 8, "window": None, "expand_dims": True},
    {"mode": "log", "frame_length": 6, "window": "blackman", "scaling": "spectrum"},
])
def test_stft_spectrogram_matches_keras(kwargs):
    k = keras()
    x = SIGNALS if kwargs.get("data_format") != "channels_first" else \
        np.swapaxes(SIGNALS, 1, 2).copy()
    if "frame_length" not in kwargs:  # the defaults: 256-sample frames
        x = RNG.normal(size=(2, 600, 3)).astype("float32")
    layer = layers.STFTSpectrogram(**kwargs)
    ours = to_numpy(layer(x))
    theirs = k.ops.convert_to_numpy(k.layers.STFTSpectrogram(**kwargs)(x))
    assert ours.shape == theirs.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("mode", ["log", "psd", "stft"])
def test_stft_spectrogram_matches_keras_with_trained_weights(mode):
    k = keras()
    layer = layers.STFTSpectrogram(mode, frame_length=8, frame_step=2, padding="same")
    layer(SIGNALS)
    layer.set_weights([RNG.normal(size=w.shape).astype("float32")
                       for w in layer.get_weights()])
    theirs = _keras_copy(layer, k, SIGNALS)
    np.testing.assert_allclose(to_numpy(layer(SIGNALS)),
                               k.ops.convert_to_numpy(theirs(SIGNALS)), rtol=1e-4, atol=1e-4)


# -- STFTSpectrogram: shapes, weights, gradients -------------------------------------------------
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("expand_dims", [False, True])
def test_stft_spectrogram_output_layout(data_format, expand_dims):
    layer = layers.STFTSpectrogram("real", frame_length=8, frame_step=4, fft_length=16,
                                   expand_dims=expand_dims, data_format=data_format)
    x = SIGNALS if data_format == "channels_last" else np.swapaxes(SIGNALS, 1, 2)
    out = to_numpy(layer(x))
    expected = {  # 9 frames, 9 bins, 3 channels
        ("channels_last", False): (2, 9, 27), ("channels_last", True): (2, 9, 9, 3),
        ("channels_first", False): (2, 27, 9), ("channels_first", True): (2, 3, 9, 9),
    }[data_format, expand_dims]
    assert out.shape == expected == layer.compute_output_shape(x.shape)
    # Channel c's bins are the c-th block of the flattened layout.
    flat = _reference_spectrogram(SIGNALS, "real")  # (2, 9, 27)
    per_channel = flat.reshape(2, 9, 3, 9)  # (batch, frames, channels, bins)
    if expand_dims:
        order = (0, 1, 3, 2) if data_format == "channels_last" else (0, 2, 1, 3)
        np.testing.assert_allclose(out, per_channel.transpose(order), atol=1e-5)
    elif data_format == "channels_first":
        np.testing.assert_allclose(out, np.swapaxes(flat, 1, 2), atol=1e-5)


@pytest.mark.parametrize("padding, frames", [("valid", 9), ("same", 10)])
def test_stft_spectrogram_on_symbolic_input_of_unknown_length(padding, frames):
    inputs = lamina.Input((None, 2))
    outputs = layers.STFTSpectrogram("stft", frame_length=8, padding=padding)(inputs)
    assert tuple(outputs.shape) == (None, None, 2 * 2 * 5)  # 2 channels of 5 + 5 bins
    model = lamina.Model(inputs, outputs)
    assert to_numpy(model(SIGNALS[:, :, :2])).shape == (2, frames, 20)


@pytest.mark.parametrize("mode, names", [("real", ["real_kernel"]), ("imag", ["imag_kernel"]),
                                         ("log", ["real_kernel", "imag_kernel"])])
def test_stft_spectrogram_makes_only_the_kernels_its_mode_reads(mode, names):
    layer = layers.STFTSpectrogram(mode, frame_length=8)
    layer(SIGNALS)
    assert [w.name for w in layer.weights] == names
    assert all(tuple(w.shape) == (8, 1, 5) for w in layer.weights)


def test_stft_spectrogram_kernels_get_gradients():
    layer = layers.STFTSpectrogram("log", frame_length=8, frame_step=4)
    layer(SIGNALS)
    assert len(layer.trainable_weights) == 2
    projection = RNG.normal(size=(2, 9, 15)).astype("float32")
    _, grads = lamina.backend.value_and_grad(
        lambda: ops.sum(ops.multiply(layer(SIGNALS), projection)), layer.trainable_weights)
    for grad in grads:
        grad = to_numpy(grad)
        assert grad.shape == (8, 1, 5) and np.all(np.isfinite(grad)) and np.abs(grad).max() > 0


def test_stft_spectrogram_kernels_train_inside_a_model():
    inputs = lamina.Input((40, 1))
    spectrogram = layers.STFTSpectrogram("magnitude", frame_length=8, frame_step=4)
    model = lamina.Model(inputs, layers.Dense(1)(layers.Flatten()(spectrogram(inputs))))
    model.compile("sgd", "mse")
    before = spectrogram.get_weights()
    model.fit(SIGNALS[:, :, :1], np.ones((2, 1), "float32"), epochs=1, verbose=0)
    assert all(np.abs(old - new).max() > 0
               for old, new in zip(before, spectrogram.get_weights()))


def test_stft_spectrogram_can_be_frozen():
    layer = layers.STFTSpectrogram(frame_length=8, trainable=False)
    layer(SIGNALS)
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 2


# -- STFTSpectrogram: configs, files, errors -----------------------------------------------------
def test_stft_spectrogram_config_round_trips_and_matches_keras():
    k = keras()
    kwargs = {"mode": "psd", "frame_length": 8, "frame_step": 2, "window": [0.5] * 8,
              "scaling": "spectrum", "padding": "same", "expand_dims": True,
              "data_format": "channels_first"}
    layer = layers.STFTSpectrogram(**kwargs, name="spec")
    config = json.loads(json.dumps(layer.get_config()))
    theirs = k.layers.STFTSpectrogram(**kwargs, name="spec").get_config()
    assert {key: v for key, v in config.items() if key != "dtype"} == \
        {key: v for key, v in theirs.items() if key != "dtype"}
    assert layers.STFTSpectrogram.from_config(config).get_config() == config
    assert layers.STFTSpectrogram.from_config(theirs).get_config() == config


def test_stft_spectrogram_keras_file_round_trips_through_keras(tmp_path):
    k = keras()
    inputs = lamina.Input((40, 3))
    layer = layers.STFTSpectrogram("log", frame_length=8, frame_step=4, padding="same")
    model = lamina.Model(inputs, layer(inputs))
    model.set_weights([w + 0.1 for w in model.get_weights()])
    expected = to_numpy(model(SIGNALS))
    model.save(tmp_path / "lamina.keras")
    mine = lamina.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(to_numpy(mine(SIGNALS)), expected, rtol=1e-6, atol=1e-6)
    theirs = k.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(k.ops.convert_to_numpy(theirs(SIGNALS)), expected, rtol=1e-4,
                               atol=1e-4)
    theirs.save(tmp_path / "keras.keras")
    back = lamina.models.load_model(tmp_path / "keras.keras")
    assert type(back.layers[-1]) is layers.STFTSpectrogram
    np.testing.assert_allclose(to_numpy(back(SIGNALS)), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "power"}, r"`mode` must be one of .*mode='power'"),
    ({"frame_length": 0}, r"`frame_length` must be a positive integer.*frame_length=0"),
    ({"frame_length": 8, "frame_step": 9}, r"`frame_step` must be .*frame_step=9"),
    ({"frame_length": 8, "fft_length": 4}, r"`fft_length` must be .*>= frame_length=8"),
    ({"scaling": "l2"}, r"`scaling` must be .*scaling='l2'"),
    ({"padding": "causal"}, r"`padding` must be 'valid' or 'same'.*padding='causal'"),
    ({"window": "kaiser"}, r"`window` must be one of .*window='kaiser'"),
    ({"frame_length": 8, "window": [1.0] * 4}, r"frame_length=8 values.*\(4,\)"),
])
def test_stft_spectrogram_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match="STFTSpectrogram: .*" + message):
        layers.STFTSpectrogram(**kwargs)


def test_stft_spectrogram_warns_on_fft_length_not_a_power_of_two():
    with pytest.warns(UserWarning, match="power of two.*fft_length=12"):
        layers.STFTSpectrogram(frame_length=8, fft_length=12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layers.STFTSpectrogram(frame_length=8, fft_length=16)


def test_stft_spectrogram_rejects_integer_signals_and_wrong_rank():
    layer = layers.STFTSpectrogram(frame_length=8)
    with pytest.raises(TypeError, match="float signals.*int32"):
        layer(np.ones((1, 16, 1), "int32"))
    with pytest.raises(ValueError):
        layers.STFTSpectrogram(frame_length=8)(np.ones((16, 1), "float32"))


# -- MelSpectrogram ------------------------------------------------------------------------------
MEL = {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 10, "sampling_rate": 8000}


@pytest.mark.parametrize("kwargs", [
    MEL,
    dict(MEL, sequence_length=40, window="hamming", power_to_db=False, mag_exp=1.0),
    {"fft_length": 32, "sequence_stride": 8, "window": None, "top_db": 20.0, "ref_power": 3.0,
     "min_freq": 100.0, "max_freq": 3000, "sampling_rate": 8000, "num_mel_bins": 6},
    {"fft_length": 32, "sequence_stride": 10, "window": [0.8] * 24, "sequence_length": 24,
     "num_mel_bins": 8, "mag_exp": 1.5},
])
def test_mel_spectrogram_matches_keras(kwargs):
    _check_mel_against_keras(kwargs, AUDIO)


def test_mel_spectrogram_matches_keras_on_one_unbatched_signal():
    _check_mel_against_keras(MEL, AUDIO[0])


def _check_mel_against_keras(kwargs, x):
    k = keras()
    layer = layers.MelSpectrogram(**kwargs)
    ours = to_numpy(layer(x))
    theirs = k.ops.convert_to_numpy(k.layers.MelSpectrogram(**kwargs)(x))
    assert ours.shape == theirs.shape == layer.compute_output_shape(x.shape)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("top_db", [80.0, 15.0])
def test_mel_spectrogram_matches_numpy_reference(top_db):
    layer = layers.MelSpectrogram(**MEL, top_db=top_db, min_freq=50.0, ref_power=2.0)
    expected = _reference_mel(AUDIO, 64, 16, 8000, 10, 50.0, 4000.0, top_db=top_db,
                              ref_power=2.0)
    np.testing.assert_allclose(to_numpy(layer(AUDIO)), expected, rtol=1e-4, atol=1e-3)


def test_mel_spectrogram_top_db_floors_against_the_batch_maximum():
    loud = np.concatenate([AUDIO[:1], 1e-3 * AUDIO[1:]])
    out = to_numpy(layers.MelSpectrogram(**MEL, top_db=30.0)(loud))
    assert np.isclose(out.min(), out.max() - 30.0, atol=1e-4)
    assert np.isclose(out[1].max(), out.max() - 30.0, atol=1e-4)  # the quiet one is floored
    unfloored = to_numpy(layers.MelSpectrogram(**MEL, top_db=None)(loud))
    assert unfloored.min() < out.min()


def test_mel_spectrogram_output_shape_matches_its_output():
    # For samples + 1 a multiple of the stride (111 + 1 = 7 * 16), Keras 3.15's
    # compute_output_shape promises one frame more than its call returns; ours tells the
    # real count, 1 + samples // stride for an even fft_length.
    layer = layers.MelSpectrogram(**MEL)
    assert to_numpy(layer(AUDIO)).shape == layer.compute_output_shape(AUDIO.shape) == (2, 10, 7)
    for samples in (127, 128, 200):
        assert layer.compute_output_shape((2, samples)) == (2, 10, 1 + samples // 16)
    odd = layers.MelSpectrogram(**dict(MEL, fft_length=63, sequence_length=63))
    assert odd.compute_output_shape((111,)) == to_numpy(odd(AUDIO[0])).shape == (10, 7)


def test_mel_spectrogram_on_symbolic_inputs():
    inputs = lamina.Input((None,))
    assert tuple(layers.MelSpectrogram(**MEL)(inputs).shape) == (None, 10, None)
    inputs = lamina.Input((111,))
    outputs = layers.MelSpectrogram(**MEL)(inputs)
    assert tuple(outputs.shape) == (None, 10, 7)
    assert to_numpy(lamina.Model(inputs, outputs)(AUDIO)).shape == (2, 10, 7)


def test_mel_spectrogram_passes_gradients_to_the_signal():
    variable = lamina.Variable(AUDIO)
    layer = layers.MelSpectrogram(**MEL, power_to_db=False)
    _, (grad,) = lamina.backend.value_and_grad(lambda: ops.sum(layer(variable.value)),
                                               [variable])
    grad = to_numpy(grad)
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0


def test_mel_spectrogram_config_round_trips_and_matches_keras():
    k = keras()
    kwargs = dict(MEL, sequence_length=48, window="hamming", top_db=60.0, min_freq=30.0)
    layer = layers.MelSpectrogram(**kwargs, name="mel")
    config = json.loads(json.dumps(layer.get_config()))
    theirs = k.layers.MelSpectrogram(**kwargs, name="mel").get_config()
    assert config["max_freq"] == 4000 and config["sequence_length"] == 48
    assert {key: v for key, v in config.items() if key != "dtype"} == \
        {key: v for key, v in theirs.items() if key != "dtype"}
    assert layers.MelSpectrogram.from_config(config).get_config() == config
    assert layers.MelSpectrogram.from_config(theirs).get_config() == config


def test_mel_spectrogram_keras_file_round_trips_through_keras(tmp_path):
    k = keras()
    inputs = lamina.Input((111,))
    model = lamina.Model(inputs, layers.MelSpectrogram(**MEL)(inputs))
    expected = to_numpy(model(AUDIO))
    model.save(tmp_path / "lamina.keras")
    np.testing.assert_allclose(to_numpy(lamina.models.load_model(tmp_path / "lamina.keras")(
        AUDIO)), expected, rtol=1e-6, atol=1e-6)
    theirs = k.models.load_model(tmp_path / "lamina.keras")
    np.testing.assert_allclose(k.ops.convert_to_numpy(theirs(AUDIO)), expected, rtol=1e-4,
                               atol=1e-4)
    theirs.save(tmp_path / "keras.keras")
    back = lamina.models.load_model(tmp_path / "keras.keras")
    assert type(back.layers[-1]) is layers.MelSpectrogram
    np.testing.assert_allclose(to_numpy(back(AUDIO)), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"fft_length": 64, "sequence_length": 128}, r"`fft_length` must be >= `sequence_length`"
                                                 r".*sequence_length=128, fft_length=64"),
    ({"sequence_stride": 0}, r"`sequence_stride` must be a positive integer.*"
                             r"sequence_stride=0"),
    ({"num_mel_bins": 2.5}, r"`num_mel_bins` must be a positive integer.*num_mel_bins=2.5"),
    ({"window": "blackman"}, r"`window` must be 'hann', 'hamming'.*window='blackman'"),
    ({"fft_length": 64, "window": [1.0] * 8}, r"sequence_length=64 values.*\(8,\)"),
    ({"sampling_rate": 0}, r"`sampling_rate` must be positive"),
    ({"min_freq": 5000.0, "max_freq": 4000.0}, r"0 <= min_freq < max_freq.*min_freq=5000.0"),
])
def test_mel_spectrogram_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match="MelSpectrogram: .*" + message):
        layers.MelSpectrogram(**kwargs)


@pytest.mark.parametrize("name", ["MelSpectrogram", "STFTSpectrogram"])
def test_constructor_arguments_match_keras(name):
    assert inspect.signature(getattr(layers, name)) == \
        inspect.signature(getattr(keras().layers, name))
