"""``MelSpectrogram``: mel-scale (optionally decibel) spectrograms of raw audio, built on
``ops.stft``.

The mel filterbank is a constant computed once in NumPy; the layer has no weights. The
convolution-based, trainable spectrogram is ``STFTSpectrogram`` in ``stft_spectrogram.py``.
"""

import numpy as np

from lamina import ops
from lamina.initializers import stft_initializer
from lamina.layers.layer import Layer

# The HTK mel scale: mel(f) = 1127 ln(1 + f / 700) (= 2595 log10(1 + f / 700)).
_MEL_BREAK_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0
_STFT_WINDOWS = ("hann", "hamming")


def hertz_to_mel(frequencies):
    """Frequencies in hertz on the HTK mel scale, ``1127 * ln(1 + f / 700)``.

    Args:
        frequencies: a number or NumPy array of frequencies in hertz.

    Returns:
        The mel values, as float64 NumPy.

    Example:
        >>> hertz_to_mel(700.0)  # 1127 * ln(2) = 781.17...
    """
    return _MEL_HIGH_FREQUENCY_Q * np.log1p(np.asarray(frequencies, "float64") / _MEL_BREAK_HERTZ)


def mel_filterbank(num_mel_bins, num_spectrogram_bins, sampling_rate, lower_edge_hertz,
                   upper_edge_hertz):
    """The ``(num_spectrogram_bins, num_mel_bins)`` matrix that maps a linear-frequency
    spectrum to mel bands, as float64 NumPy.

    Band ``m`` is a triangle, linear on the mel scale, rising from edge ``m`` to a peak
    of 1 at edge ``m + 1`` and falling to zero at edge ``m + 2``, where the
    ``num_mel_bins + 2`` edges are evenly spaced in mel from ``lower_edge_hertz`` to
    ``upper_edge_hertz``. The spectrum bins sit evenly from 0 Hz to the Nyquist frequency;
    as in HTK (and Keras), the DC bin gets no weight.

    Args:
        num_mel_bins: how many mel bands.
        num_spectrogram_bins: how many spectrum bins (``fft_length // 2 + 1``).
        sampling_rate: the signal's samples per second.
        lower_edge_hertz: the lower edge of the lowest band.
        upper_edge_hertz: the upper edge of the highest band.

    Returns:
        A float64 array of shape ``(num_spectrogram_bins, num_mel_bins)``.

    Example:
        >>> mel_filterbank(4, 33, 8000, 20.0, 4000.0).shape  # (33, 4)
    """
    bins_mel = hertz_to_mel(np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins))
    edges = np.linspace(hertz_to_mel(lower_edge_hertz), hertz_to_mel(upper_edge_hertz),
                        num_mel_bins + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]  # each (num_mel_bins,)
    rising = (bins_mel[:, None] - lower) / (center - lower)
    falling = (upper - bins_mel[:, None]) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0] = 0.0  # the DC bin
    return weights


class MelSpectrogram(Layer):
    """Turns raw audio into mel spectrograms (in decibels by default).

    Each signal goes through ``ops.stft`` (centred, reflect-padded frames), its magnitude
    is raised to ``mag_exp`` and mapped onto ``num_mel_bins`` triangular mel bands (HTK
    scale, peaks of 1) between ``min_freq`` and ``max_freq``. With ``power_to_db`` the
    result becomes ``10 * log10(S / ref_power)`` (``S`` and ``ref_power`` floored at
    ``min_power``), floored at ``top_db`` below the largest value of the whole batch (as in
    Keras). The layer has no weights; it computes in float32 (float64 when that is the
    layer's dtype).

    Args:
        fft_length: the frame and transform length (default 2048).
        sequence_stride: the hop between frames in samples (default 512).
        sequence_length: the window length (``<= fft_length``); default ``fft_length``.
        window: ``"hann"`` (default) or ``"hamming"`` (periodic), an array of
            ``sequence_length`` values, or None (a rectangle).
        sampling_rate: the signals' samples per second (default 16000).
        num_mel_bins: the number of mel bands (default 128).
        min_freq: the lower edge of the lowest band in hertz (default 20.0).
        max_freq: the upper edge of the highest band in hertz; default
            ``sampling_rate // 2``.
        power_to_db: whether to convert to decibels (default True).
        top_db: the floor below the batch maximum in decibels (default 80.0); None for no
            floor.
        mag_exp: the exponent of the magnitude: 1 for magnitude, 2 (default) for power.
        min_power: the smallest power (and ``ref_power``) taken before the logarithm
            (default 1e-10).
        ref_power: the power that maps to 0 dB (default 1.0).
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        ``(num_mel_bins, frames)`` for a signal of shape ``(samples,)``, or
        ``(..., num_mel_bins, frames)`` for ``(..., samples)``, where
        ``frames = 1 + (samples + 2 * (fft_length // 2) - fft_length) // sequence_stride``.

    Example:
        >>> layer = lamina.layers.MelSpectrogram(fft_length=256, sequence_stride=128,
        ...                                      num_mel_bins=40, sampling_rate=8000)
        >>> layer(np.random.rand(2, 8000).astype("float32")).shape  # (2, 40, 63)
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        sequence_length = sequence_length or fft_length
        max_freq = max_freq or int(sampling_rate / 2)
        _check_arguments(fft_length, sequence_stride, sequence_length, window, sampling_rate,
                         num_mel_bins, min_freq, max_freq)
        super().__init__(**kwargs)
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        self._filterbank = mel_filterbank(num_mel_bins, fft_length // 2 + 1, sampling_rate,
                                          min_freq, max_freq)

    def call(self, inputs):
        # ops.stft computes in float32 or float64 on every engine.
        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") \
            else "float32"
        signals = ops.cast(inputs, dtype)
        window = self.window
        if window is not None and not isinstance(window, str):
            window = ops.convert_to_tensor(window, dtype=dtype)
        real, imag = ops.stft(signals, self.sequence_length, self.sequence_stride,
                              self.fft_length, window=window, center=True)
        power = ops.add(ops.square(real), ops.square(imag))  # (..., frames, bins)
        if self.mag_exp == 2:
            # |X| ** 2 without the square root, whose gradient at 0 is not finite.
            spectrum = power
        else:
            spectrum = ops.power(ops.sqrt(power), self.mag_exp)
        mel = ops.matmul(spectrum, ops.convert_to_tensor(self._filterbank, dtype=dtype))
        if self.power_to_db:
            mel = self._to_decibels(mel)
        # (..., frames, num_mel_bins) -> (..., num_mel_bins, frames)
        return ops.cast(ops.swapaxes(mel, -1, -2), self.compute_dtype)

    def _to_decibels(self, power):
        decibels = ops.multiply(10.0, ops.log10(ops.maximum(power, self.min_power)))
        reference = 10.0 * np.log10(max(abs(self.ref_power), self.min_power))
        decibels = ops.subtract(decibels, reference)
        if self.top_db is not None:
            # Keras floors against the largest value over the whole batch, not per signal.
            decibels = ops.maximum(decibels, ops.subtract(ops.max(decibels), self.top_db))
        return decibels

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        samples = input_shape[-1]
        frames = None
        if samples is not None:
            # The frame count call really returns (Keras 3.15's formula promises one more
            # whenever samples + 1 is a multiple of the stride).
            padded = samples + 2 * (self.fft_length // 2)
            frames = 1 + (padded - self.fft_length) // self.sequence_stride
        return input_shape[:-1] + (self.num_mel_bins, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": stft_initializer.window_to_config(self.window),
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        })
        return config


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"MelSpectrogram: `{name}` must be a positive integer. Received: {name}={value!r}."
        )


def _check_arguments(fft_length, sequence_stride, sequence_length, window, sampling_rate,
                     num_mel_bins, min_freq, max_freq):
    """Raise a ValueError naming the first bad constructor argument."""
    for value, name in ((fft_length, "fft_length"), (sequence_stride, "sequence_stride"),
                        (sequence_length, "sequence_length"), (num_mel_bins, "num_mel_bins")):
        _positive_int(value, name)
    if fft_length < sequence_length:
        raise ValueError(
            "MelSpectrogram: `fft_length` must be >= `sequence_length`. Received: "
            f"sequence_length={sequence_length}, fft_length={fft_length}."
        )
    if isinstance(window, str):
        if window not in _STFT_WINDOWS:
            raise ValueError(
                "MelSpectrogram: `window` must be 'hann', 'hamming', an array of "
                f"sequence_length={sequence_length} values, or None. Received: window={window!r}."
            )
    elif window is not None:
        shape = np.shape(ops.convert_to_numpy(window))
        if shape != (sequence_length,):
            raise ValueError(
                f"MelSpectrogram: `window` must hold sequence_length={sequence_length} values. "
                f"Received: window of shape {shape}."
            )
    if not sampling_rate > 0:
        raise ValueError(
            "MelSpectrogram: `sampling_rate` must be positive. "
            f"Received: sampling_rate={sampling_rate!r}."
        )
    if not 0 <= min_freq < max_freq:
        raise ValueError(
            "MelSpectrogram: expected 0 <= min_freq < max_freq. Received: "
            f"min_freq={min_freq!r}, max_freq={max_freq!r}."
        )
