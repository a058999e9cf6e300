"""``STFTSpectrogram``: spectrograms of 1-D signals from a strided convolution with
(trainable) windowed Fourier kernels.

The kernels come from ``initializers.STFT``; the mel-scale layer, built on ``ops.stft``
instead, is in ``mel_spectrogram.py``.
"""

import math
import warnings

import numpy as np

from lamina import backend
from lamina import ops
from lamina.initializers import stft_initializer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer

MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
PADDINGS = ("valid", "same")


class STFTSpectrogram(Layer):
    """Computes a spectrogram of each channel of a batch of 1-D signals.

    Frames of ``frame_length`` samples, ``frame_step`` apart, are multiplied by a window and
    Fourier transformed. The transform is a convolution with two kernels of shape
    ``(frame_length, 1, fft_length // 2 + 1)`` (``real_kernel`` and ``imag_kernel``, made
    by ``initializers.STFT``), so it runs as fast as a convolution and the kernels can be
    fine-tuned with the rest of a model (pass ``trainable=False`` for a fixed transform).
    Every input channel goes through the same kernels.

    Args:
        mode: what to output: ``"log"`` (default, the log magnitude), ``"magnitude"``,
            ``"psd"`` (the power, doubled on the bins whose negative frequency is folded in),
            ``"real"``, ``"imag"``, ``"angle"`` (the phase) or ``"stft"`` (the real parts
            then the imaginary parts, so twice the bins).
        frame_length: the window length in samples (default 256).
        frame_step: the hop between frames, ``1 <= frame_step <= frame_length``; default
            ``frame_length // 2``.
        fft_length: the transform length (``>= frame_length``, ideally a power of two); it
            gives ``fft_length // 2 + 1`` frequency bins. Default: the smallest power of two
            ``>= frame_length``.
        window: ``"hann"`` (default), ``"hamming"``, ``"blackman"``, ``"bartlett"``,
            ``"boxcar"``, an array of ``frame_length`` values, or None.
        periodic: whether a named window is periodic rather than symmetric (default False).
        scaling: ``"density"`` (default: window divided by its L2 norm), ``"spectrum"``
            (by its L1 norm) or None.
        padding: ``"valid"`` (default, frames lie inside the signal) or ``"same"``
            (``ceil(time / frame_step)`` frames, zeros padded as a ``"same"`` convolution).
        expand_dims: whether to keep frequency and channels on separate axes (an image for
            image models) rather than flattening them into one (default False).
        data_format: ``"channels_last"`` (inputs ``(batch, time, channels)``) or
            ``"channels_first"`` (``(batch, channels, time)``); default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name``, ``dtype`` and ``trainable``.

    Returns:
        With ``F`` bins per channel (``2 * (fft_length // 2 + 1)`` for ``mode="stft"``)
        and ``frames`` time steps: ``(batch, frames, channels * F)`` (channels_last) or
        ``(batch, channels * F, frames)`` (channels_first); with ``expand_dims``,
        ``(batch, frames, F, channels)`` or ``(batch, channels, frames, F)``. In the
        flattened layout channel ``c``'s bins come ``c``-th.

    Example:
        >>> layer = lamina.layers.STFTSpectrogram(frame_length=64, frame_step=32)
        >>> layer(np.random.rand(2, 1024, 1).astype("float32")).shape  # (2, 31, 33)
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        _check_arguments(mode, frame_length, frame_step, fft_length, scaling, padding)
        stft_initializer.check_window_name(window, "STFTSpectrogram")
        if not isinstance(window, (str, type(None))):
            values = np.asarray(ops.convert_to_numpy(window))
            if values.shape != (frame_length,):
                raise ValueError(
                    f"STFTSpectrogram: `window` must hold frame_length={frame_length} values. "
                    f"Received: window of shape {values.shape}."
                )
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self.fft_length = fft_length
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)
        # The resolved defaults, kept apart so get_config still says None as given.
        self._frame_step = frame_step or max(frame_length // 2, 1)
        self._fft_length = fft_length or 2 ** math.ceil(math.log2(frame_length))

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        # Keras makes only the kernels the mode reads, real first.
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=stft_initializer.STFT("real", self.window, self.scaling,
                                                  self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=stft_initializer.STFT("imag", self.window, self.scaling,
                                                  self.periodic))

    def call(self, inputs):
        if not backend.is_float_dtype(inputs.dtype):
            raise TypeError(
                f"STFTSpectrogram expects float signals; received dtype {inputs.dtype}. "
                "Cast the input to float32 first."
            )
        # One convolution for all channels: each channel becomes its own 1-channel signal.
        if self.data_format == "channels_last":
            inputs = ops.transpose(inputs, (0, 2, 1))
        channels, time = inputs.shape[1], inputs.shape[2]
        signals = ops.reshape(inputs, (-1, 1, time))  # (batch * channels, 1, time)
        real = imag = None
        if self.mode != "imag":
            real = self._transform(signals, self.real_kernel, channels)
        if self.mode != "real":
            imag = self._transform(signals, self.imag_kernel, channels)
        # Each is (batch, channels, bins, frames).
        if self.mode == "real":
            outputs = real
        elif self.mode == "imag":
            outputs = imag
        elif self.mode == "angle":
            outputs = ops.arctan2(imag, real)
        elif self.mode == "stft":
            outputs = ops.concatenate([real, imag], axis=2)
        else:
            power = ops.add(ops.square(real), ops.square(imag))
            if self.mode == "psd":
                # A one-sided spectrum: every bin but the first and last also stands for
                # its negative frequency, so its power counts twice.
                fold = np.full((power.shape[2], 1), 2.0)
                fold[0] = fold[-1] = 1.0
                outputs = ops.multiply(power, ops.convert_to_tensor(fold, dtype=power.dtype))
            else:
                epsilon = backend.epsilon()
                outputs = ops.sqrt(ops.maximum(power, epsilon))
                if self.mode == "log":
                    outputs = ops.log(ops.maximum(outputs, epsilon))
        return self._arrange(outputs)

    def _transform(self, signals, kernel, channels):
        """``(batch * channels, 1, time)`` -> ``(batch, channels, bins, frames)``."""
        kernel = ops.cast(kernel, backend.dtype_of(signals))
        outputs = ops.conv(signals, kernel, strides=self._frame_step, padding=self.padding,
                           data_format="channels_first")  # (batch * channels, bins, frames)
        return ops.reshape(outputs, (-1, channels) + tuple(outputs.shape[1:]))

    def _arrange(self, outputs):
        """``(batch, channels, bins, frames)`` -> the layout ``data_format`` and
        ``expand_dims`` ask for."""
        _, channels, bins, frames = outputs.shape
        if self.expand_dims:
            order = (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2)
            return ops.transpose(outputs, order)
        outputs = ops.reshape(outputs, (-1, channels * bins, frames))
        if self.data_format == "channels_last":
            outputs = ops.transpose(outputs, (0, 2, 1))  # (batch, frames, channels * bins)
        return outputs

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        bins = self._fft_length // 2 + 1
        if self.mode == "stft":
            bins *= 2
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = -(-time // self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, bins, channels)
            return (batch, channels, frames, bins)
        features = None if channels is None else channels * bins
        if self.data_format == "channels_last":
            return (batch, frames, features)
        return (batch, features, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": stft_initializer.window_to_config(self.window),
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        })
        return config


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_arguments(mode, frame_length, frame_step, fft_length, scaling, padding):
    """Raise a ValueError naming the first bad constructor argument."""
    if mode not in MODES:
        raise ValueError(
            f"STFTSpectrogram: `mode` must be one of {', '.join(repr(m) for m in MODES)}. "
            f"Received: mode={mode!r}."
        )
    if not _is_int(frame_length) or frame_length < 1:
        raise ValueError(
            "STFTSpectrogram: `frame_length` must be a positive integer. "
            f"Received: frame_length={frame_length!r}."
        )
    if frame_step is not None and (not _is_int(frame_step) or not
                                   1 <= frame_step <= frame_length):
        raise ValueError(
            "STFTSpectrogram: `frame_step` must be an integer from 1 to frame_length="
            f"{frame_length} (or None for frame_length // 2). Received: "
            f"frame_step={frame_step!r}."
        )
    if fft_length is not None:
        if not _is_int(fft_length) or fft_length < frame_length:
            raise ValueError(
                f"STFTSpectrogram: `fft_length` must be an integer >= frame_length="
                f"{frame_length} (or None for the next power of two). Received: "
                f"fft_length={fft_length!r}."
            )
        if fft_length & (fft_length - 1):
            warnings.warn(
                f"STFTSpectrogram: `fft_length` is best a power of two; received "
                f"fft_length={fft_length}.", stacklevel=3)
    stft_initializer.check_scaling(scaling, "STFTSpectrogram")
    if padding not in PADDINGS:
        raise ValueError(
            "STFTSpectrogram: `padding` must be 'valid' or 'same'. "
            f"Received: padding={padding!r}."
        )
