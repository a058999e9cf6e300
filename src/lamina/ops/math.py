"""Math ops beyond NumPy: top-k, logsumexp, erf, rsqrt, segment sums, norms, and the
Fourier family (FFTs, framing, STFT and its inverse).

Keras passes complex values as a ``(real, imag)`` tuple of float tensors; the FFT ops take and
return that form, and ``view_as_complex`` / ``view_as_real`` convert to and from complex dtypes.
Framing, the STFT and its inverse are written once here from the backend's ``rfft``/``irfft``.
"""

import numpy as np

from lamina import backend
from lamina.backend import math as _impl
from lamina.backend import numpy as _np
from lamina.ops import promotion as _dt
from lamina.ops.symbolic import dispatch


@dispatch
def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis and their indices."""
    return _impl.top_k(x, k, sorted=sorted)


@dispatch
def in_top_k(targets, predictions, k):
    """For each row, whether the ``targets`` class is among the ``k`` highest predictions."""
    return _impl.in_top_k(targets, predictions, k)


@dispatch
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""
    return _impl.logsumexp(x, axis=axis, keepdims=keepdims)


@dispatch
def erf(x):
    """The Gauss error function."""
    return _impl.erf(x)


@dispatch
def erfinv(x):
    """The inverse of the Gauss error function."""
    return _impl.erfinv(x)


@dispatch
def rsqrt(x):
    """Element-wise ``1 / sqrt(x)``."""
    return _impl.rsqrt(x)


@dispatch
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of ``data`` that share a segment id."""
    return _impl.segment_sum(data, segment_ids, num_segments=num_segments)


@dispatch
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (``numpy.linalg.norm`` semantics)."""
    return _impl.norm(x, ord=ord, axis=axis, keepdims=keepdims)


@dispatch
def qr(x, mode="reduced"):
    """QR decomposition ``(q, r)``."""
    return _impl.qr(x, mode=mode)


@dispatch
def erfc(x):
    """The complementary Gauss error function, ``1 - erf(x)``, accurate for large ``x``.

    Args:
        x: a tensor.

    Returns:
        A float tensor (integers give ``floatx``).

    Example:
        >>> ops.erfc([0.0, 1.0])  # [1., 0.1573]
    """
    return _impl.erfc(_dt.as_float(x))


@dispatch
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maxima of the rows of ``data`` that share a segment id.

    Args:
        data: a tensor whose first axis is split into segments.
        segment_ids: an integer tensor of shape ``(data.shape[0],)``.
        num_segments: the number of segments; by default ``max(segment_ids) + 1``.
        sorted: whether ``segment_ids`` is sorted (a hint; the result is the same).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``; empty segments hold the
        dtype's lowest value (``-inf`` for floats).

    Example:
        >>> ops.segment_max([1.0, 5.0, 3.0], [0, 0, 1])  # [5., 3.]
    """
    return _impl.segment_max(data, segment_ids, num_segments=num_segments)


def _check_segments(op, data, segment_ids, num_segments):
    """``data`` and ``segment_ids`` as tensors, checked to pair up row by row."""
    data, segment_ids = backend.convert_to_tensor(data), backend.convert_to_tensor(segment_ids)
    if len(segment_ids.shape) != 1 or (len(data.shape) == 0
                                       or segment_ids.shape[0] != data.shape[0]):
        raise ValueError(
            f"{op}: `segment_ids` must be 1-D with one id per row of `data` (shape "
            f"({tuple(data.shape)[:1] or '?'},)). Received data of shape {tuple(data.shape)} "
            f"and segment_ids of shape {tuple(segment_ids.shape)}."
        )
    if not backend.is_int_dtype(backend.dtype_of(segment_ids)):
        raise ValueError(
            f"{op}: `segment_ids` must hold integers; received dtype "
            f"{backend.dtype_of(segment_ids)}. Cast them with ops.cast(ids, 'int32')."
        )
    if num_segments is not None and (not isinstance(num_segments, int) or num_segments < 1):
        raise ValueError(
            f"{op}: `num_segments` must be None or a positive int; received "
            f"num_segments={num_segments!r}."
        )
    return data, segment_ids


@dispatch
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minima of the rows of ``data`` that share a segment id.

    Args:
        data: a tensor whose first axis is split into segments.
        segment_ids: an integer tensor of shape ``(data.shape[0],)``.
        num_segments: the number of segments; by default ``max(segment_ids) + 1``.
        sorted: whether ``segment_ids`` is sorted (a hint; the result is the same).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``; empty segments hold the
        dtype's highest value (``inf`` for floats).

    Example:
        >>> ops.segment_min([1.0, 5.0, 3.0], [0, 0, 1])  # [1., 3.]
    """
    data, segment_ids = _check_segments("segment_min", data, segment_ids, num_segments)
    return _impl.segment_min(data, segment_ids, num_segments=num_segments)


@dispatch
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Products of the rows of ``data`` that share a segment id.

    Args:
        data: a tensor whose first axis is split into segments.
        segment_ids: an integer tensor of shape ``(data.shape[0],)``.
        num_segments: the number of segments; by default ``max(segment_ids) + 1``.
        sorted: whether ``segment_ids`` is sorted (a hint; the result is the same).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``; empty segments hold 1.

    Example:
        >>> ops.segment_prod([2.0, 5.0, 3.0], [0, 0, 1])  # [10., 3.]
    """
    data, segment_ids = _check_segments("segment_prod", data, segment_ids, num_segments)
    return _impl.segment_prod(data, segment_ids, num_segments=num_segments)


@dispatch
def cdist(x, y):
    """Euclidean distances between every row vector of ``x`` and every row vector of ``y``.

    Args:
        x: a tensor of shape ``(..., m, d)``.
        y: a tensor of shape ``(..., n, d)``; leading (batch) axes broadcast with ``x``'s.

    Returns:
        A float tensor of shape ``(..., m, n)``: entry ``[..., i, j]`` is
        ``||x[..., i, :] - y[..., j, :]||``. Its gradient at a zero distance is 0.

    Example:
        >>> ops.cdist([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0]])  # [[1.], [1.]]
    """
    x, y = _dt.as_float(x), _dt.as_float(y)
    if len(x.shape) < 2 or len(y.shape) < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "cdist: `x` and `y` must have rank >= 2, shapes (..., m, d) and (..., n, d) with "
            f"the same vector size d. Received x of shape {tuple(x.shape)} and y of shape "
            f"{tuple(y.shape)}."
        )
    dtype = _dt.result_dtype(x, y)
    x, y = _dt.cast(x, dtype), _dt.cast(y, dtype)
    # (..., m, 1, d) - (..., 1, n, d): exact differences (no |x|^2 + |y|^2 - 2xy cancellation).
    difference = _np.subtract(_np.expand_dims(x, -2), _np.expand_dims(y, -3))
    squared = _np.sum(_np.square(difference), axis=-1)
    # sqrt has an infinite slope at 0: take it only where the distance is positive.
    positive = _np.greater(squared, 0)
    safe = _np.where(positive, squared, _np.ones_like(squared))
    return _np.where(positive, _np.sqrt(safe), _np.zeros_like(squared))


# -- complex values as (real, imag) pairs -----------------------------------------------------
_PAIR_EXPECTED = (
    "`{name}` expects `x` as a tuple `(real, imag)` of two float tensors of the same shape{rank}; "
    "got {got}. Pass e.g. `(x, ops.zeros_like(x))` for a real signal."
)


def _pair(x, name, min_rank=1):
    """``x`` checked as a ``(real, imag)`` pair, both as float tensors of one dtype."""
    rank = f" and rank >= {min_rank}" if min_rank > 1 else ""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        got = f"a {type(x).__name__}" if not isinstance(x, (tuple, list)) else f"{len(x)} items"
        raise ValueError(_PAIR_EXPECTED.format(name=name, rank=rank, got=got))
    real, imag = (backend.convert_to_tensor(v) for v in x)
    real_shape, imag_shape = tuple(real.shape), tuple(imag.shape)
    if real_shape != imag_shape or len(real_shape) < min_rank:
        got = f"shapes {real_shape} and {imag_shape}"
        raise ValueError(_PAIR_EXPECTED.format(name=name, rank=rank, got=got))
    dtype = _dt.result_dtype(real, imag)
    dtype = _dt.float_dtype(dtype)
    return _dt.cast(real, dtype), _dt.cast(imag, dtype)


@dispatch
def fft(x):
    """The discrete Fourier transform over the last axis.

    Args:
        x: a tuple ``(real, imag)`` of float tensors of the same shape.

    Returns:
        A tuple ``(real, imag)`` of the transform, same shape and dtype.

    Example:
        >>> real, imag = ops.fft(([1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]))  # real: all 1
    """
    return _impl.fft(*_pair(x, "fft"))


@dispatch
def fft2(x):
    """The two-dimensional discrete Fourier transform over the last two axes.

    Args:
        x: a tuple ``(real, imag)`` of float tensors of rank >= 2 and the same shape.

    Returns:
        A tuple ``(real, imag)`` of the transform, same shape and dtype.

    Example:
        >>> real, imag = ops.fft2((ops.ones((2, 2)), ops.zeros((2, 2))))  # real: [[4, 0], [0, 0]]
    """
    return _impl.fft2(*_pair(x, "fft2", min_rank=2))


@dispatch
def ifft2(x):
    """The inverse of ``fft2``, over the last two axes.

    Args:
        x: a tuple ``(real, imag)`` of float tensors of rank >= 2 and the same shape.

    Returns:
        A tuple ``(real, imag)`` of the inverse transform, same shape and dtype.

    Example:
        >>> real, imag = ops.ifft2(ops.fft2((ops.ones((2, 2)), ops.zeros((2, 2)))))  # real: ones
    """
    return _impl.ifft2(*_pair(x, "ifft2", min_rank=2))


def _check_length(value, name, op):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"`{op}` expects `{name}` to be a positive integer; got {value!r}.")
    return int(value)


@dispatch
def rfft(x, fft_length=None):
    """The discrete Fourier transform of a real signal over the last axis.

    Only the ``fft_length // 2 + 1`` non-negative frequencies are returned (the rest are their
    complex conjugates).

    Args:
        x: a real tensor.
        fft_length: the transform length; the signal is cropped or zero-padded to it. By
            default the length of the last axis.

    Returns:
        A tuple ``(real, imag)`` with last axis ``fft_length // 2 + 1``.

    Example:
        >>> real, imag = ops.rfft([1.0, 1.0, 1.0, 1.0])  # real: [4., 0., 0.]
    """
    fft_length = _check_length(fft_length, "fft_length", "rfft")
    return _impl.rfft(_dt.as_float(x), fft_length=fft_length)


@dispatch
def irfft(x, fft_length=None):
    """The inverse of ``rfft``: a real signal from its non-negative frequencies.

    Args:
        x: a tuple ``(real, imag)`` of float tensors (last axis ``m``).
        fft_length: the length of the output signal; by default ``2 * (m - 1)``.

    Returns:
        A real tensor with last axis ``fft_length``.

    Example:
        >>> ops.irfft(ops.rfft([1.0, 2.0, 3.0, 4.0]))  # [1., 2., 3., 4.]
    """
    fft_length = _check_length(fft_length, "fft_length", "irfft")
    return _impl.irfft(*_pair(x, "irfft"), fft_length=fft_length)


@dispatch
def view_as_complex(x):
    """A complex tensor from a float tensor whose last axis (size 2) holds real and imag parts.

    Args:
        x: a float tensor of shape ``(..., 2)``.

    Returns:
        A complex tensor of shape ``x.shape[:-1]`` (float32 gives complex64).

    Example:
        >>> ops.view_as_complex([[1.0, 2.0]])  # [1+2j]
    """
    x = _dt.as_float(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError(
            "`view_as_complex` expects `x` with a last axis of size 2 (real, imag); got shape "
            f"{tuple(x.shape)}."
        )
    return _impl.view_as_complex(x)


@dispatch
def view_as_real(x):
    """A float tensor holding the real and imaginary parts of a complex tensor on a new last axis.

    Args:
        x: a complex tensor.

    Returns:
        A float tensor of shape ``x.shape + (2,)``.

    Example:
        >>> ops.view_as_real(ops.view_as_complex([[1.0, 2.0]]))  # [[1., 2.]]
    """
    x = backend.convert_to_tensor(x)
    if "complex" not in backend.dtype_of(x):
        raise ValueError(
            f"`view_as_real` expects a complex tensor; got dtype {backend.dtype_of(x)}. "
            "Use `view_as_complex` to build one from (real, imag) pairs."
        )
    return _impl.view_as_real(x)


# -- framing and the short-time Fourier transform ---------------------------------------------
def _frame_indices(length, sequence_length, sequence_stride):
    """``(num_frames, sequence_length)`` positions of each frame's samples in a signal."""
    num_frames = 1 + (length - sequence_length) // sequence_stride
    starts = np.arange(num_frames) * sequence_stride
    return starts[:, None] + np.arange(sequence_length)[None, :]


def _check_framing(op, sequence_length, sequence_stride, fft_length=None):
    _check_length(sequence_length, "sequence_length", op)
    _check_length(sequence_stride, "sequence_stride", op)
    if fft_length is not None:
        _check_length(fft_length, "fft_length", op)
        if fft_length < sequence_length:
            raise ValueError(
                f"`{op}` expects `fft_length` >= `sequence_length`; got fft_length={fft_length}, "
                f"sequence_length={sequence_length}."
            )


@dispatch
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples taken every ``sequence_stride`` along the last axis.

    Args:
        x: a tensor of shape ``(..., length)``.
        sequence_length: the number of samples per frame.
        sequence_stride: the step between the starts of two frames.

    Returns:
        A tensor of shape ``(..., num_frames, sequence_length)`` where
        ``num_frames = 1 + (length - sequence_length) // sequence_stride``.

    Example:
        >>> ops.extract_sequences([1, 2, 3, 4, 5], 3, 2)  # [[1, 2, 3], [3, 4, 5]]
    """
    _check_framing("extract_sequences", sequence_length, sequence_stride)
    x = backend.convert_to_tensor(x)
    length = x.shape[-1]
    if length < sequence_length:
        raise ValueError(
            "`extract_sequences` expects the last axis of `x` to be at least `sequence_length` "
            f"long; got length {length} and sequence_length={sequence_length}."
        )
    return _np.take(x, _frame_indices(length, sequence_length, sequence_stride), axis=-1)


def _overlap_add(frames, sequence_stride):
    """Sum ``(..., num_frames, frame_length)`` frames placed ``sequence_stride`` apart."""
    num_frames, frame_length = frames.shape[-2:]
    total = frame_length + sequence_stride * (num_frames - 1)
    # Sample j of frame t lands at t * stride + j. segment_sum adds along the first axis, so
    # the (frames * samples) axis goes first and comes back last.
    targets = _frame_indices(total, frame_length, sequence_stride).reshape(-1)
    flat = _np.reshape(frames, tuple(frames.shape[:-2]) + (num_frames * frame_length,))
    summed = _impl.segment_sum(_np.moveaxis(flat, -1, 0), targets, num_segments=total)
    return _np.moveaxis(summed, 0, -1)


def _periodic_window(name, size, op):
    """A periodic (DFT-even) window of ``size`` samples, as ``scipy.signal.get_window`` gives."""
    phase = 2.0 * np.pi * np.arange(size) / size
    if name == "hann":
        return 0.5 - 0.5 * np.cos(phase)
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(phase)
    raise ValueError(
        f"`{op}` expects `window` to be 'hann', 'hamming', a tensor of shape (sequence_length,) "
        f"or None; got {name!r}."
    )


def _padded_window(window, sequence_length, fft_length, dtype, op):
    """The analysis window, zero-padded on both sides to ``fft_length`` (or None)."""
    if window is None:
        return None
    if isinstance(window, str):
        window = _periodic_window(window, sequence_length, op)
    window = _dt.cast(window, dtype)
    if tuple(window.shape) != (sequence_length,):
        raise ValueError(
            f"`{op}` expects `window` of shape ({sequence_length},) (sequence_length); got shape "
            f"{tuple(window.shape)}."
        )
    left = (fft_length - sequence_length) // 2
    return _np.pad(window, [(left, fft_length - sequence_length - left)])


@dispatch
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of real signals along the last axis.

    Frames of ``fft_length`` samples are taken every ``sequence_stride`` samples, multiplied by a
    window of ``sequence_length`` samples centred in the frame, and transformed with ``rfft``.

    Args:
        x: a real tensor of shape ``(..., length)``.
        sequence_length: the window length.
        sequence_stride: the step between frames.
        fft_length: the frame and transform length (``>= sequence_length``).
        window: ``"hann"`` (default) or ``"hamming"`` (periodic), a tensor of shape
            ``(sequence_length,)``, or None for a rectangular window of ``sequence_length``.
        center: whether to pad ``fft_length // 2`` reflected samples on both ends, so frame
            ``t`` is centred on sample ``t * sequence_stride``.

    Returns:
        A tuple ``(real, imag)`` of shape ``(..., num_frames, fft_length // 2 + 1)``.

    Example:
        >>> real, imag = ops.stft(ops.ones((2, 32)), 8, 4, 16)  # each (2, 9, 9)
    """
    _check_framing("stft", sequence_length, sequence_stride, fft_length)
    x = _dt.as_float(x)
    dtype = backend.dtype_of(x)
    length = x.shape[-1]
    positions = np.arange(length)
    if center:
        pad = fft_length // 2
        if length <= pad:
            raise ValueError(
                f"`stft` with center=True expects a signal longer than fft_length // 2 = {pad}; "
                f"got length {length}. Use center=False or a shorter fft_length."
            )
        # Reflect padding (no edge repeat), written as indices so gradients flow through it.
        positions = np.concatenate(
            [positions[pad:0:-1], positions, positions[-2 : -2 - pad : -1]]
        )
    if len(positions) < fft_length:
        raise ValueError(
            f"`stft` expects a signal of at least fft_length={fft_length} samples (after "
            f"padding); got {len(positions)}."
        )
    frames = _np.take(x, positions[_frame_indices(len(positions), fft_length, sequence_stride)],
                      axis=-1)  # (..., num_frames, fft_length)
    if window is None:
        # As in Keras, "no window" is a rectangle of sequence_length samples.
        window = np.ones(sequence_length)
    frames = _np.multiply(frames, _padded_window(window, sequence_length, fft_length, dtype,
                                                 "stft"))
    return _impl.rfft(frames, fft_length=fft_length)


@dispatch
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of ``stft``: signals rebuilt by windowed overlap-add of the inverse frames.

    Frames are weighted by the window and divided by the overlapping squared windows, as in
    Keras: exactly per sample when ``center=True`` and ``sequence_length == fft_length``,
    otherwise by the steady-state overlap sum, so samples covered by fewer frames (the ends,
    when ``center=False``) are not renormalised.

    Args:
        x: a tuple ``(real, imag)`` of shape ``(..., num_frames, fft_length // 2 + 1)``.
        sequence_length: the window length used by ``stft``.
        sequence_stride: the step between frames used by ``stft``.
        fft_length: the frame and transform length used by ``stft``.
        length: crop the output to this many samples; by default everything the frames cover
            (less the centre padding).
        window: the window used by ``stft``: ``"hann"``, ``"hamming"``, a tensor of shape
            ``(sequence_length,)``, or None (frames are added without weighting).
        center: whether ``stft`` padded the signal (then the padding is removed).

    Returns:
        A real tensor of shape ``(..., length)``.

    Example:
        >>> signal = ops.istft(ops.stft(ops.ones((32,)), 8, 4, 8), 8, 4, 8)  # (32,), ones
    """
    _check_framing("istft", sequence_length, sequence_stride, fft_length)
    real, imag = _pair(x, "istft", min_rank=2)
    dtype = backend.dtype_of(real)
    frames = _impl.irfft(real, imag, fft_length=fft_length)  # (..., num_frames, fft_length)
    num_frames = frames.shape[-2]
    window = _padded_window(window, sequence_length, fft_length, dtype, "istft")
    # Keras normalises two ways, and we match both: with center=True and
    # sequence_length == fft_length, by the squared window overlap-added over the actual frames
    # (exact everywhere, as torch.istft); otherwise each frame is weighted by the window over its
    # steady-state overlap sum (TF's inverse-STFT window), exact for fully overlapped samples.
    # With no window the frames are only added.
    is_exact = window is not None and center and sequence_length == fft_length
    if window is not None and not is_exact:
        phases = -(-fft_length // sequence_stride) * sequence_stride
        squared = _np.pad(_np.multiply(window, window), [(0, phases - fft_length)])
        overlap = _np.sum(_np.reshape(squared, (-1, sequence_stride)), axis=0)
        denominator = _np.take(overlap, np.arange(fft_length) % sequence_stride, axis=0)
        frames = _np.multiply(frames, _np.divide_no_nan(window, denominator))
    elif is_exact:
        frames = _np.multiply(frames, window)
    signal = _overlap_add(frames, sequence_stride)
    if is_exact:
        squared = _np.multiply(window, window)
        coverage = _overlap_add(_np.tile(squared, (num_frames, 1)), sequence_stride)
        signal = _np.divide_no_nan(signal, coverage)

    total = fft_length + sequence_stride * (num_frames - 1)
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = total - fft_length // 2
    else:
        end = total
    return signal[..., start:end]
