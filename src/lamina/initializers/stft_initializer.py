"""The ``STFT`` initializer: windowed Fourier kernels for ``layers.STFTSpectrogram``.

Also holds the named window functions (Hann, Hamming, ...) the spectrogram layers share.
Random initializers live in ``random_initializers.py``, constant ones in ``initializer.py``.
"""

import numpy as np

from lamina import backend
from lamina import ops
from lamina.initializers.initializer import Initializer

# Cosine-sum windows: w[n] = sum_k (-1)^k a_k cos(2 pi k n / (M - 1)), as in SciPy.
_COSINE_COEFFICIENTS = {
    "hann": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08),
}
# The SciPy spellings each window also answers to.
_WINDOW_ALIASES = {
    "hann": "hann", "han": "hann",
    "hamming": "hamming", "hamm": "hamming", "ham": "hamming",
    "blackman": "blackman", "black": "blackman", "blk": "blackman",
    "bartlett": "bartlett", "bart": "bartlett", "brt": "bartlett",
    "boxcar": "boxcar", "box": "boxcar", "ones": "boxcar", "rect": "boxcar",
    "rectangular": "boxcar",
}
WINDOW_NAMES = ("hann", "hamming", "blackman", "bartlett", "boxcar")
_SIDES = ("real", "imag")
_SCALINGS = ("density", "spectrum")


def check_window_name(window, owner):
    """Raise a ValueError naming ``owner`` when ``window`` is a string we cannot make."""
    if isinstance(window, str) and window not in _WINDOW_ALIASES:
        raise ValueError(
            f"{owner}: `window` must be one of {', '.join(repr(n) for n in WINDOW_NAMES)}, an "
            f"array of window values, or None. Received: window={window!r}."
        )


def check_scaling(scaling, owner):
    """Raise a ValueError naming ``owner`` unless ``scaling`` is 'density', 'spectrum' or None."""
    if scaling is not None and scaling not in _SCALINGS:
        raise ValueError(
            f"{owner}: `scaling` must be 'density', 'spectrum' or None. "
            f"Received: scaling={scaling!r}."
        )


def window_values(name, size, periodic=False):
    """The named window of ``size`` samples as float64 NumPy, the values SciPy's
    ``get_window(name, size, fftbins=periodic)`` gives.

    Args:
        name: one of ``WINDOW_NAMES`` (or a SciPy alias such as ``"ham"``).
        size: the number of samples.
        periodic: True for the DFT-even (periodic) window, False for the symmetric one.

    Returns:
        A float64 array of shape ``(size,)``.

    Example:
        >>> window_values("hann", 4, periodic=True)  # [0., 0.5, 1., 0.5]
    """
    check_window_name(name, "window_values")
    name = _WINDOW_ALIASES[name]
    if size == 1:
        return np.ones(1)
    # A periodic window is the symmetric window one sample longer, less its last sample.
    length = size + 1 if periodic else size
    n = np.arange(length)
    if name in _COSINE_COEFFICIENTS:
        phase = 2.0 * np.pi * n / (length - 1)
        values = sum((-1) ** k * a * np.cos(k * phase)
                     for k, a in enumerate(_COSINE_COEFFICIENTS[name]))
    elif name == "bartlett":
        ramp = 2.0 * n / (length - 1)
        values = np.where(n <= (length - 1) / 2.0, ramp, 2.0 - ramp)
    else:  # boxcar
        values = np.ones(length)
    return np.asarray(values[:size], dtype="float64")


def window_to_config(window):
    """``window`` in a JSON-friendly spelling: arrays and tensors become nested lists."""
    if window is None or isinstance(window, (str, list)):
        return window
    if isinstance(window, tuple):
        return list(window)
    return np.asarray(ops.convert_to_numpy(window)).tolist()


class STFT(Initializer):
    """Fills a ``(frame_length, channels, num_bins)`` kernel with windowed Fourier basis
    vectors, so a stride-``hop`` convolution with it computes a short-time Fourier transform.

    Bin ``k`` at sample ``t`` holds ``cos(-2 pi k t / n) * w[t] / s`` (``side="real"``) or
    ``sin(-2 pi k t / n) * w[t] / s`` (``side="imag"``), where ``n = 2 * (num_bins - 1)``
    is the transform length implied by the shape, ``w`` the window and ``s`` the scaling
    factor. Every input channel gets the same values. This is how
    ``layers.STFTSpectrogram`` starts its (trainable) kernels.

    Args:
        side: ``"real"`` (default, cosines) or ``"imag"`` (sines).
        window: ``"hann"`` (default), ``"hamming"``, ``"blackman"``, ``"bartlett"`` or
            ``"boxcar"``; an array of ``frame_length`` window values; or None (no window,
            no scaling).
        scaling: how the window is normalised: ``"density"`` (default) divides by its L2
            norm, ``"spectrum"`` by its L1 norm, None leaves it as it is.
        periodic: whether a named window is periodic (DFT-even) rather than symmetric
            (default False).

    Returns:
        Called as ``initializer(shape, dtype=None)``: a tensor of ``shape`` (rank 3), in
        ``dtype`` (default ``floatx()``).

    Example:
        >>> kernel = lamina.initializers.STFT("real", "hann")((8, 1, 5))  # (8, 1, 5)
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in _SIDES:
            raise ValueError(
                f"STFT initializer: `side` must be 'real' or 'imag'. Received: side={side!r}."
            )
        check_window_name(window, "STFT initializer")
        check_scaling(scaling, "STFT initializer")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        dtype = backend.standardize_dtype(dtype)
        if len(shape) != 3:
            raise ValueError(
                "STFT initializer expects a shape (frame_length, channels, num_bins) of rank "
                f"3. Received: shape={tuple(shape)}."
            )
        frame_length, _, num_bins = (int(s) for s in shape)
        # 1. The angle 2 pi k t / n, reduced modulo n in integers so long frames keep the
        #    full float64 precision of the phase.
        length = max(2 * (num_bins - 1), 1)
        turns = np.outer(np.arange(frame_length), np.arange(num_bins)) % length
        angle = -2.0 * np.pi * turns / length  # (frame_length, num_bins)
        kernel = np.cos(angle) if self.side == "real" else np.sin(angle)
        # 2. The window and its normalisation.
        if self.window is not None:
            window = self._window(frame_length)
            if self.scaling == "density":
                window = window / np.sqrt(np.sum(np.square(window)))
            elif self.scaling == "spectrum":
                window = window / np.sum(np.abs(window))
            kernel = kernel * window[:, None]
        kernel = np.broadcast_to(kernel[:, None, :], tuple(int(s) for s in shape))
        host_dtype = "float32" if dtype == "bfloat16" else dtype
        return ops.convert_to_tensor(kernel.astype(host_dtype), dtype=dtype)

    def _window(self, frame_length):
        if isinstance(self.window, str):
            return window_values(self.window, frame_length, self.periodic)
        window = np.asarray(ops.convert_to_numpy(self.window), dtype="float64")
        if window.shape != (frame_length,):
            raise ValueError(
                f"STFT initializer: `window` must hold frame_length={frame_length} values "
                f"(shape ({frame_length},)). Received: window of shape {window.shape}."
            )
        return window

    def get_config(self):
        return {
            "side": self.side,
            "window": window_to_config(self.window),
            "periodic": self.periodic,
            "scaling": self.scaling,
        }
