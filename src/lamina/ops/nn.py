"""Neural-network ops: activations, softmax, one-hot, cross-entropies, normalization.

Primitives come from the backend; the composites below (cross-entropies, batch
normalization, ``normalize``) are written once here from other ops. The CTC loss and
decoders live in ``ops/ctc.py`` and are re-exported here.
"""

from lamina.backend import config
from lamina.backend import nn as _impl
from lamina.ops import core as _core
from lamina.ops import ctc as _ctc
from lamina.ops import math as _math
from lamina.ops import numpy as _np
from lamina.ops.symbolic import dispatch

ctc_decode = _ctc.ctc_decode
ctc_loss = _ctc.ctc_loss


@dispatch
def relu(x):
    """Rectified linear unit: ``max(x, 0)``."""
    return _impl.relu(x)


@dispatch
def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return _impl.relu6(x)


@dispatch
def sigmoid(x):
    """Logistic sigmoid: ``1 / (1 + exp(-x))``."""
    return _impl.sigmoid(x)


@dispatch
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return _impl.log_sigmoid(x)


@dispatch
def softplus(x):
    """``log(1 + exp(x))``, computed stably."""
    return _impl.softplus(x)


@dispatch
def softsign(x):
    """``x / (1 + |x|)``."""
    return _impl.softsign(x)


@dispatch
def silu(x):
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``."""
    return _impl.silu(x)


@dispatch
def swish(x):
    """Alias of :func:`silu`."""
    return _impl.silu(x)


@dispatch
def gelu(x, approximate=True):
    """Gaussian error linear unit; the tanh approximation when ``approximate``."""
    return _impl.gelu(x, approximate=approximate)


@dispatch
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return _impl.elu(x, alpha=alpha)


@dispatch
def selu(x):
    """Scaled ELU with the self-normalizing constants (scale 1.0507, alpha 1.6733)."""
    return _impl.selu(x)


@dispatch
def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return _impl.leaky_relu(x, negative_slope=negative_slope)


@dispatch
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    return _impl.hard_sigmoid(x)


@dispatch
def hard_silu(x):
    """``x * hard_sigmoid(x)`` (hard swish)."""
    return _impl.hard_silu(x)


hard_swish = hard_silu


@dispatch
def mish(x):
    """``x * tanh(softplus(x))``."""
    return _impl.mish(x)


@dispatch
def softmax(x, axis=-1):
    """Exponentials normalized to sum to 1 along ``axis``."""
    return _impl.softmax(x, axis=axis)


@dispatch
def log_softmax(x, axis=-1):
    """``log(softmax(x))``, computed stably."""
    return _impl.log_softmax(x, axis=axis)


@dispatch
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ids; ids outside ``[0, num_classes)`` give all-zero rows.

    Example:
        >>> ops.one_hot([0, 2], 3)  # [[1, 0, 0], [0, 0, 1]]
    """
    return _impl.one_hot(x, num_classes, axis=axis, dtype=dtype)


@dispatch
def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    """Encode each row of integer ids as a vector with ones at those ids."""
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype)
    return _np.max(encoded, axis=axis - 1 if axis < 0 else axis)


@dispatch
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (population) variance of ``x`` over ``axes``."""
    return _impl.moments(x, axes, keepdims=keepdims)


@dispatch
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalize ``x`` with the given statistics: ``(x - mean) / sqrt(var + eps) * scale + offset``.

    ``mean``, ``variance``, ``offset`` and ``scale`` are 1-D, laid along ``axis``.
    """
    ndim = _np.ndim(x)
    axis = axis % ndim
    shape = [1] * ndim
    shape[axis] = -1

    def expand(v):
        return None if v is None else _np.reshape(v, shape)

    inv = _math.rsqrt(_np.add(expand(variance), epsilon))
    if scale is not None:
        inv = _np.multiply(inv, expand(scale))
    result = _np.multiply(_np.subtract(x, expand(mean)), inv)
    if offset is not None:
        result = _np.add(result, expand(offset))
    return result


def _norm_axes(x, axis):
    ndim = _np.ndim(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes))


def _broadcast_weight(weight, x, axes, dtype):
    """A per-feature weight (shaped like ``x`` along ``axes``) reshaped to broadcast."""
    weight = _core.cast(weight, dtype)
    if _np.ndim(weight) == _np.ndim(x):
        return weight
    shape = [x.shape[a] if a in axes else 1 for a in range(_np.ndim(x))]
    return _np.reshape(weight, shape)


@dispatch
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Layer normalization: ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` over ``axis``.

    Args:
        x: the input tensor.
        gamma: optional scale, shaped like ``x`` along ``axis``.
        beta: optional offset, same shape.
        axis: the axis (or axes) to normalize over. Defaults to -1.
        epsilon: added to the variance; ``lamina.backend.epsilon()`` when None.

    Example:
        >>> ops.layer_normalization(np.array([[1.0, 3.0]]))  # [[-1., 1.]] (about)
    """
    if kwargs.pop("rms_scaling", False):
        return rms_normalization(x, scale=gamma, axis=axis, epsilon=epsilon)
    if kwargs:
        raise TypeError(f"layer_normalization got unexpected arguments {sorted(kwargs)}.")
    epsilon = config.epsilon() if epsilon is None else float(epsilon)
    x = _core.convert_to_tensor(x)
    axes = _norm_axes(x, axis)
    fused = getattr(_impl, "layer_normalization", None)
    if fused is not None:  # an engine kernel where it applies (None: it does not)
        output = fused(x, gamma, beta, axes, epsilon)
        if output is not None:
            return output
    dtype = _core.dtype(x)
    mean, variance = moments(x, axes=axes, keepdims=True)
    inv = _math.rsqrt(_np.add(variance, epsilon))
    if gamma is not None:
        inv = _np.multiply(inv, _broadcast_weight(gamma, x, axes, dtype))
    # x * inv + (beta - mean * inv): one multiply-add over the full tensor.
    shift = _np.negative(_np.multiply(mean, inv))
    if beta is not None:
        shift = _np.add(shift, _broadcast_weight(beta, x, axes, dtype))
    return _np.add(_np.multiply(x, inv), shift)


@dispatch
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """Root-mean-square normalization: ``x / sqrt(mean(x**2) + epsilon) * scale``.

    Example:
        >>> ops.rms_normalization(np.array([[3.0, 4.0]]))  # x / 3.5355...
    """
    epsilon = config.epsilon() if epsilon is None else float(epsilon)
    x = _core.convert_to_tensor(x)
    axes = _norm_axes(x, axis)
    inv = _math.rsqrt(_np.add(_np.mean(_np.square(x), axis=axes, keepdims=True), epsilon))
    outputs = _np.multiply(x, inv)
    if scale is not None:
        outputs = _np.multiply(outputs, _broadcast_weight(scale, x, axes, _core.dtype(x)))
    return outputs


@dispatch
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis``."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    norm = _math.norm(x, ord=order, axis=axis, keepdims=True)
    return _np.divide(x, _np.maximum(norm, epsilon))


@dispatch
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy between targets in [0, 1] and predictions.

    With ``from_logits=False``, ``output`` is a probability, clipped to
    ``[epsilon, 1 - epsilon]`` as Keras does; with ``True``, it is a logit and the stable
    form ``max(x, 0) - x * z + log(1 + exp(-|x|))`` is used.
    """
    return _impl.binary_crossentropy(target, output, from_logits=from_logits)


@dispatch
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predictions along ``axis``.

    With ``from_logits=False`` the predictions are rescaled to sum to 1 and clipped to
    ``[epsilon, 1 - epsilon]``, as Keras does.
    """
    return _impl.categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)


@dispatch
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class ids and predictions along ``axis``.

    ``target`` has the shape of ``output`` without ``axis`` (a trailing axis of size 1 is
    also accepted, as in Keras). A label outside ``[0, classes)`` gives a loss of 0.
    """
    return _impl.sparse_categorical_crossentropy(target, output, from_logits=from_logits,
                                                 axis=axis)


# -- pooling -------------------------------------------------------------------------------
_POOL_PADDINGS = ("valid", "same")


def _pool_tuple(value, rank, name, op_name):
    """``value`` (an int or ``rank`` ints, all positive) as a tuple of ``rank`` ints."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if (values is None or len(values) != rank
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                       for v in values)):
        raise ValueError(
            f"{op_name}: `{name}` must be a positive int or a tuple of {rank} positive ints "
            f"(one per spatial axis of a rank-{rank + 2} input). Received: {name}={value!r}."
        )
    return values


def _pool_arguments(op_name, inputs, pool_size, strides, padding, data_format):
    """Validate pooling arguments; return them standardized, with the input tensor."""
    inputs = _core.convert_to_tensor(inputs)
    rank = len(inputs.shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op_name}: `inputs` must have rank 3, 4 or 5 (batch, 1 to 3 spatial axes and "
            f"a channel axis). Received inputs of shape {tuple(inputs.shape)}."
        )
    data_format = config.standardize_data_format(data_format)
    pool_size = _pool_tuple(pool_size, rank, "pool_size", op_name)
    strides = pool_size if strides is None else _pool_tuple(strides, rank, "strides", op_name)
    padding_name = str(padding).lower()
    if padding_name not in _POOL_PADDINGS:
        raise ValueError(
            f"{op_name}: `padding` must be one of {_POOL_PADDINGS}. Received: "
            f"padding={padding!r}."
        )
    shape = tuple(inputs.shape)
    spatial = shape[1:-1] if data_format == "channels_last" else shape[2:]
    if padding_name == "valid" and any(w > s for w, s in zip(pool_size, spatial)):
        raise ValueError(
            f"{op_name}: the pooling window pool_size={pool_size} is larger than the "
            f"input's spatial size {spatial} (input shape {shape}, {data_format}) with "
            "padding='valid', so no window fits. Use a smaller pool_size, a larger input, "
            "or padding='same'."
        )
    return inputs, pool_size, strides, padding_name, data_format


@dispatch
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling: the largest value of each window over the spatial axes.

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        pool_size: the window size, an int or one int per spatial axis.
        strides: the step between windows (an int or a tuple); ``pool_size`` when None.
        padding: ``"valid"`` (windows inside the input only) or ``"same"`` (pad so the
            output size is ``ceil(size / stride)``; padded cells never win the max).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The pooled tensor, same rank and dtype as ``inputs``.

    Example:
        >>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
        >>> ops.convert_to_numpy(ops.max_pool(x, 2))[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """
    inputs, pool_size, strides, padding, data_format = _pool_arguments(
        "max_pool", inputs, pool_size, strides, padding, data_format)
    return _impl.max_pool(inputs, pool_size, strides, padding, data_format)


@dispatch
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling: the mean of each window over the spatial axes.

    With ``padding="same"`` a window that hangs over the border is averaged over its
    real cells only (the padded cells are not counted), as in Keras and TensorFlow.

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        pool_size: the window size, an int or one int per spatial axis.
        strides: the step between windows (an int or a tuple); ``pool_size`` when None.
        padding: ``"valid"`` or ``"same"`` (output size ``ceil(size / stride)``).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        The pooled tensor, same rank as ``inputs``, floating point.

    Example:
        >>> x = np.arange(4, dtype="float32").reshape(1, 4, 1)
        >>> ops.convert_to_numpy(ops.average_pool(x, 2))[0, :, 0]
        array([0.5, 2.5], dtype=float32)
    """
    inputs, pool_size, strides, padding, data_format = _pool_arguments(
        "average_pool", inputs, pool_size, strides, padding, data_format)
    return _impl.average_pool(inputs, pool_size, strides, padding, data_format)


@dispatch
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    x = _core.convert_to_tensor(x)
    negative = _np.multiply(alpha, _np.expm1(_np.divide(_np.minimum(x, 0.0), alpha)))
    return _np.add(_np.maximum(x, 0.0), negative)


@dispatch
def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis``; ``a * sigmoid(b)``."""
    a, b = _np.split(x, 2, axis=axis)
    return _np.multiply(a, sigmoid(b))


@dispatch
def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return _np.clip(_core.convert_to_tensor(x), -1.0, 1.0)


@dispatch
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    x = _core.convert_to_tensor(x)
    return _np.where(_np.greater(_np.absolute(x), threshold), x, _np.zeros_like(x))


@dispatch
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    x = _core.convert_to_tensor(x)
    zeros = _np.zeros_like(x)
    return _np.where(_np.greater(x, threshold), _np.subtract(x, threshold),
                     _np.where(_np.less(x, -threshold), _np.add(x, threshold), zeros))


@dispatch
def tanh_shrink(x):
    """``x - tanh(x)``."""
    x = _core.convert_to_tensor(x)
    return _np.subtract(x, _np.tanh(x))


@dispatch
def sparse_plus(x):
    """0 for ``x <= -1``, ``x`` for ``x >= 1``, ``(x + 1)^2 / 4`` between."""
    x = _core.convert_to_tensor(x)
    middle = _np.divide(_np.square(_np.add(x, 1.0)), 4.0)
    return _np.where(_np.less_equal(x, -1.0), _np.zeros_like(x),
                     _np.where(_np.greater_equal(x, 1.0), x, middle))


@dispatch
def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    x = _core.convert_to_tensor(x)
    return _np.clip(_np.divide(_np.add(x, 1.0), 2.0), 0.0, 1.0)


@dispatch
def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``, a smooth ReLU."""
    x = _core.convert_to_tensor(x)
    return _np.divide(_np.add(x, _np.sqrt(_np.add(_np.square(x), b))), 2.0)


@dispatch
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = _core.convert_to_tensor(x)
    return _np.where(_np.greater(x, threshold), x, _np.full_like(x, default_value))


@dispatch
def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Like softmax it gives non-negative values summing to 1, but can give exact zeros.
    """
    x = _core.convert_to_tensor(x)
    x = _np.moveaxis(x, axis, -1)
    size = _core.shape(x)[-1]
    # Sort descending, find the support size k, then the threshold tau.
    z = _np.flip(_np.sort(x, axis=-1), axis=-1)
    ks = _np.arange(1, size + 1, dtype=_core.dtype(x))
    cumulative = _np.cumsum(z, axis=-1)
    in_support = _np.greater(_np.add(1.0, _np.multiply(ks, z)), cumulative)
    k = _np.sum(_core.cast(in_support, _core.dtype(x)), axis=-1, keepdims=True)
    index = _core.cast(_np.subtract(k, 1.0), "int32")
    tau = _np.divide(_np.subtract(_np.take_along_axis(cumulative, index, axis=-1), 1.0), k)
    result = _np.maximum(_np.subtract(x, tau), 0.0)
    return _np.moveaxis(result, -1, axis)


# -- convolutions --------------------------------------------------------------------------
_CONV_PADDINGS = ("valid", "same")


def _conv_tuple(value, rank, name, op_name):
    """``value`` (an int or ``rank`` ints, all positive) as a tuple of ``rank`` ints."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    if (values is None or len(values) != rank
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                       for v in values)):
        raise ValueError(
            f"{op_name}: `{name}` must be a positive int or a tuple of {rank} positive ints "
            f"(one per spatial axis of a rank-{rank + 2} input). Received: {name}={value!r}."
        )
    return values


def _conv_arguments(op_name, inputs, kernel, strides, padding, data_format, dilation_rate,
                    kernel_name="kernel"):
    """Validate the arguments shared by the conv ops; return them standardized."""
    inputs = _core.convert_to_tensor(inputs)
    kernel = _core.convert_to_tensor(kernel)
    shape, kernel_shape = tuple(inputs.shape), tuple(kernel.shape)
    rank = len(shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op_name}: `inputs` must have rank 3, 4 or 5 (batch, 1 to 3 spatial axes and "
            f"a channel axis). Received inputs of shape {shape}."
        )
    if len(kernel_shape) != rank + 2:
        raise ValueError(
            f"{op_name}: `{kernel_name}` must have the rank of `inputs` ({rank + 2}): "
            f"{rank} spatial axes, then the input and output channel axes. Received "
            f"{kernel_name} of shape {kernel_shape} for inputs of shape {shape}."
        )
    data_format = config.standardize_data_format(data_format)
    strides = _conv_tuple(strides, rank, "strides", op_name)
    dilation_rate = _conv_tuple(dilation_rate, rank, "dilation_rate", op_name)
    padding_name = str(padding).lower()
    if padding_name not in _CONV_PADDINGS:
        raise ValueError(
            f"{op_name}: `padding` must be one of {_CONV_PADDINGS}. Received: "
            f"padding={padding!r}."
        )
    return inputs, kernel, strides, padding_name, data_format, dilation_rate


def _conv_channels(shape, data_format):
    return shape[-1] if data_format == "channels_last" else shape[1]


def _check_conv_output_size(op_name, inputs, kernel_size, strides, padding, data_format,
                            dilation_rate):
    """Raise when a "valid" conv leaves no output position on some spatial axis."""
    if padding != "valid":
        return
    shape = tuple(inputs.shape)
    spatial = shape[1:-1] if data_format == "channels_last" else shape[2:]
    effective = tuple((k - 1) * d + 1 for k, d in zip(kernel_size, dilation_rate))
    if any(size < e for size, e in zip(spatial, effective)):
        raise ValueError(
            f"{op_name}: computed output size would be zero or negative: the input's spatial "
            f"size {spatial} (input shape {shape}, {data_format}) is smaller than the "
            f"dilated kernel size {effective} (kernel_size={tuple(kernel_size)}, "
            f"dilation_rate={dilation_rate}) with padding='valid'. Use a larger input, a "
            "smaller kernel, or padding='same'."
        )


@dispatch
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (1-D to 3-D): cross-correlates ``inputs`` with ``kernel``.

    Grouped convolution follows from the shapes: with ``C`` input channels and a kernel
    of ``C / groups`` input channels, the channels split into ``groups`` groups, each
    producing ``out_channels / groups`` outputs.

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        kernel: ``(*kernel_size, channels / groups, out_channels)``.
        strides: the step between output positions, an int or one int per spatial axis.
        padding: ``"valid"`` (no padding) or ``"same"`` (output size ``ceil(size /
            stride)``; as in TensorFlow, an odd total padding puts the extra cell at the
            end).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.
        dilation_rate: the spacing between kernel taps, an int or one int per axis.

    Returns:
        The convolved tensor, in ``data_format``, with ``out_channels`` channels.

    Example:
        >>> x = np.ones((1, 5, 1))
        >>> ops.convert_to_numpy(ops.conv(x, np.ones((3, 1, 1))))[0, :, 0]
        array([3., 3., 3.], dtype=float32)
    """
    inputs, kernel, strides, padding, data_format, dilation_rate = _conv_arguments(
        "conv", inputs, kernel, strides, padding, data_format, dilation_rate)
    channels = _conv_channels(tuple(inputs.shape), data_format)
    group_channels, filters = kernel.shape[-2], kernel.shape[-1]
    if channels % group_channels or filters % (channels // group_channels):
        raise ValueError(
            f"conv: the kernel's input-channel axis ({group_channels}) must divide the "
            f"input's {channels} channels into groups, and its {filters} output channels "
            "must split evenly over those groups. Expected kernel shape "
            f"(*kernel_size, {channels} / groups, out_channels). Received kernel of shape "
            f"{tuple(kernel.shape)} for inputs of shape {tuple(inputs.shape)} "
            f"({data_format})."
        )
    _check_conv_output_size("conv", inputs, kernel.shape[:-2], strides, padding,
                            data_format, dilation_rate)
    return _impl.conv(inputs, kernel, strides, padding, data_format, dilation_rate)


@dispatch
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution: each input channel is convolved with its own filters.

    Input channel ``c`` with multiplier ``m`` gives output channel ``c * multiplier + m``.

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        kernel: ``(*kernel_size, channels, depth_multiplier)``.
        strides, padding, data_format, dilation_rate: as in :func:`conv`.

    Returns:
        The convolved tensor with ``channels * depth_multiplier`` channels.

    Example:
        >>> x = np.ones((1, 4, 2))
        >>> ops.depthwise_conv(x, np.ones((2, 2, 3))).shape
        (1, 3, 6)
    """
    inputs, kernel, strides, padding, data_format, dilation_rate = _conv_arguments(
        "depthwise_conv", inputs, kernel, strides, padding, data_format, dilation_rate)
    channels = _conv_channels(tuple(inputs.shape), data_format)
    if kernel.shape[-2] != channels:
        raise ValueError(
            f"depthwise_conv: the kernel must have shape (*kernel_size, {channels}, "
            f"depth_multiplier) for inputs with {channels} channels. Received kernel of "
            f"shape {tuple(kernel.shape)} for inputs of shape {tuple(inputs.shape)} "
            f"({data_format})."
        )
    _check_conv_output_size("depthwise_conv", inputs, kernel.shape[:-2], strides, padding,
                            data_format, dilation_rate)
    return _impl.depthwise_conv(inputs, kernel, strides, padding, data_format, dilation_rate)


@dispatch
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Separable convolution: a depthwise convolution, then a 1x1 (pointwise) one.

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        depthwise_kernel: ``(*kernel_size, channels, depth_multiplier)``.
        pointwise_kernel: ``(1, ..., 1, channels * depth_multiplier, out_channels)``.
        strides, padding, data_format, dilation_rate: as in :func:`conv`, for the
            depthwise step.

    Returns:
        The convolved tensor with ``out_channels`` channels.

    Example:
        >>> x = np.ones((1, 4, 2))
        >>> ops.separable_conv(x, np.ones((2, 2, 1)), np.ones((1, 2, 5))).shape
        (1, 3, 5)
    """
    inputs, depthwise_kernel, strides, padding, data_format, dilation_rate = _conv_arguments(
        "separable_conv", inputs, depthwise_kernel, strides, padding, data_format,
        dilation_rate, kernel_name="depthwise_kernel")
    pointwise_kernel = _core.convert_to_tensor(pointwise_kernel)
    channels = _conv_channels(tuple(inputs.shape), data_format)
    rank = len(inputs.shape) - 2
    depthwise_shape = tuple(depthwise_kernel.shape)
    expected = (1,) * rank + (depthwise_shape[-2] * depthwise_shape[-1],)
    pointwise_shape = tuple(pointwise_kernel.shape)
    if depthwise_shape[-2] != channels or pointwise_shape[:-1] != expected:
        raise ValueError(
            f"separable_conv: expected depthwise_kernel of shape (*kernel_size, {channels}, "
            f"depth_multiplier) and pointwise_kernel of shape {expected + ('filters',)}. "
            f"Received depthwise_kernel of shape {depthwise_shape} and pointwise_kernel of "
            f"shape {pointwise_shape} for inputs of shape {tuple(inputs.shape)} "
            f"({data_format})."
        )
    _check_conv_output_size("separable_conv", inputs, depthwise_shape[:-2], strides, padding,
                            data_format, dilation_rate)
    return _impl.separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides, padding,
                                data_format, dilation_rate)


@dispatch
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (sometimes called deconvolution): the gradient of :func:`conv`
    with respect to its input, used to upsample.

    The output length per spatial axis is Keras's: without ``output_padding``,
    ``size * stride + max(k - stride, 0)`` for ``"valid"`` and ``size * stride`` for
    ``"same"`` (``k`` the dilated kernel size); with it, ``(size - 1) * stride + k - 2 *
    pad + output_padding`` where ``pad`` is ``k // 2`` for ``"same"`` and 0 for ``"valid"``.

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        kernel: ``(*kernel_size, out_channels, channels)`` (note the order).
        strides: the upsampling factor, an int or one int per spatial axis.
        padding: ``"valid"`` or ``"same"``.
        output_padding: None, or an int or one int per axis: extra cells at the end of the
            output, to pick among the sizes a strided conv maps to the same input size.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.
        dilation_rate: the spacing between kernel taps.

    Returns:
        The upsampled tensor with ``out_channels`` channels.

    Example:
        >>> x = np.ones((1, 3, 1))
        >>> ops.conv_transpose(x, np.ones((2, 4, 1)), strides=2).shape
        (1, 6, 4)
    """
    inputs, kernel, strides, padding, data_format, dilation_rate = _conv_arguments(
        "conv_transpose", inputs, kernel, strides, padding, data_format, dilation_rate)
    rank = len(inputs.shape) - 2
    channels = _conv_channels(tuple(inputs.shape), data_format)
    if kernel.shape[-1] != channels:
        raise ValueError(
            f"conv_transpose: the kernel must have shape (*kernel_size, out_channels, "
            f"{channels}) for inputs with {channels} channels (the input channels come "
            f"last). Received kernel of shape {tuple(kernel.shape)} for inputs of shape "
            f"{tuple(inputs.shape)} ({data_format})."
        )
    if output_padding is not None:
        values = (output_padding,) * rank if isinstance(output_padding, int) else output_padding
        try:
            values = tuple(int(v) for v in values)
        except (TypeError, ValueError):
            values = ()
        if len(values) != rank or any(v < 0 for v in values):
            raise ValueError(
                f"conv_transpose: `output_padding` must be None, a non-negative int or a "
                f"tuple of {rank} non-negative ints. Received: output_padding="
                f"{output_padding!r}."
            )
        output_padding = values
    return _impl.conv_transpose(inputs, kernel, strides, padding, output_padding,
                                data_format, dilation_rate)


# The most negative logit a masked position gets: finite (so a fully masked row stays a
# uniform distribution instead of NaN), with headroom so adding a bias cannot overflow.
_ATTENTION_LARGE_NEGATIVE = {"float16": -0.7 * 65504.0, "bfloat16": -0.7 * 3.3895314e38,
                             "float64": -0.7 * 1.7976931348623157e308}


@dispatch
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention: ``softmax(query . key * scale + bias) . value``.

    Shapes use B batch, T query length, S key length, N query heads, K key/value heads
    (N a multiple of K: grouped-query attention, each key/value head serving N // K
    consecutive query heads), H head size.

    Args:
        query: ``(B, T, N, H)``.
        key: ``(B, S, K, H)``.
        value: ``(B, S, K, H_v)``.
        bias: optional, added to the logits; broadcastable to ``(B, N, T, S)``.
        mask: optional boolean, broadcastable to ``(B, N, T, S)``; True takes part.
        scale: the logit multiplier, ``1 / sqrt(H)`` when None.
        is_causal: mask key positions after the query position (``s > t``).
        flash_attention: a hint for engines with a fused kernel; the reference path here
            computes the same result either way.
        attn_logits_soft_cap: optional cap ``c``: logits become ``c * tanh(logits / c)``.

    Returns:
        ``(B, T, N, H_v)``.

    Example:
        >>> q = np.ones((2, 4, 8, 16)); kv = np.ones((2, 6, 2, 16))
        >>> ops.dot_product_attention(q, kv, kv).shape
        (2, 4, 8, 16)
    """
    fused = getattr(_impl, "dot_product_attention", None)
    if fused is not None:  # an engine kernel, for the cases it covers (None: it does not)
        output = fused(query, key, value, bias=bias, mask=mask, scale=scale,
                       is_causal=is_causal, flash_attention=flash_attention,
                       attn_logits_soft_cap=attn_logits_soft_cap)
        if output is not None:
            return output
    query, key, value = (_core.convert_to_tensor(t) for t in (query, key, value))
    if not (_np.ndim(query) == _np.ndim(key) == _np.ndim(value) == 4):
        raise ValueError(
            "dot_product_attention: query, key and value must be 4-D, (batch, length, "
            f"heads, head_dim); got shapes {tuple(query.shape)}, {tuple(key.shape)}, "
            f"{tuple(value.shape)}."
        )
    num_heads, kv_heads = query.shape[2], key.shape[2]
    if value.shape[2] != kv_heads or num_heads % kv_heads:
        raise ValueError(
            "dot_product_attention: key and value must have the same number of heads, "
            f"and it must divide the query's {num_heads} heads; got key shape "
            f"{tuple(key.shape)} and value shape {tuple(value.shape)}."
        )
    if kv_heads != num_heads:
        key = _np.repeat(key, num_heads // kv_heads, axis=2)
        value = _np.repeat(value, num_heads // kv_heads, axis=2)
    dtype = _core.dtype(query)
    scale = 1.0 / float(query.shape[-1]) ** 0.5 if scale is None else scale
    logits = _np.multiply(_np.einsum("btnh,bsnh->bnts", query, key),
                          _core.cast(scale, dtype))  # (B, N, T, S)
    if bias is not None:
        logits = _np.add(logits, _core.cast(bias, dtype))
    if attn_logits_soft_cap is not None:
        logits = _np.multiply(_np.tanh(_np.divide(logits, attn_logits_soft_cap)),
                              attn_logits_soft_cap)
    keep = None if mask is None else _core.cast(mask, "bool")
    if is_causal:
        t, s = logits.shape[-2], logits.shape[-1]
        causal = _core.cast(_np.tril(_np.ones((t, s), dtype="int32")), "bool")
        keep = causal if keep is None else _np.logical_and(keep, causal)
    if keep is not None:
        large_negative = _ATTENTION_LARGE_NEGATIVE.get(dtype, -0.7 * 3.4028235e38)
        logits = _np.where(keep, logits, large_negative)
    # The softmax runs in (at least) float32 so half-precision logits do not overflow.
    compute = "float64" if dtype == "float64" else "float32"
    probs = _core.cast(softmax(_core.cast(logits, compute), axis=-1), dtype)
    return _np.einsum("bnts,bsnh->btnh", probs, value)


# -- rearranging pixels: depth_to_space / space_to_depth -----------------------------------
def _block_arguments(op_name, x, block_size, data_format):
    x = _core.convert_to_tensor(x)
    if len(x.shape) != 4:
        raise ValueError(
            f"{op_name}: `x` must be a 4-D image batch, (batch, height, width, channels) or "
            f"(batch, channels, height, width). Received x of shape {tuple(x.shape)}."
        )
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size < 1:
        raise ValueError(
            f"{op_name}: `block_size` must be a positive int. Received: "
            f"block_size={block_size!r}."
        )
    return x, config.standardize_data_format(data_format)


@dispatch
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into space (pixel shuffle): ``(N, H, W, C * r * r)`` becomes
    ``(N, H * r, W * r, C)`` for block size ``r``.

    The channel order matches Keras: for ``channels_last`` channel ``(a * r + b) * C + c``
    lands at offset ``(a, b)`` of its block (TensorFlow's layout); for ``channels_first``
    it is channel ``c * r * r + a * r + b`` (``torch.nn.PixelShuffle``'s layout).

    Args:
        x: a 4-D tensor whose channel count is divisible by ``block_size ** 2``.
        block_size: the side ``r`` of each spatial block, a positive int.
        data_format: ``"channels_last"`` (the default) or ``"channels_first"``.

    Returns:
        A tensor of the dtype of ``x`` with ``r`` times the height and width and
        ``1 / r**2`` times the channels. :func:`space_to_depth` undoes it.

    Example:
        >>> ops.depth_to_space(np.zeros((1, 2, 2, 12)), 2).shape
        (1, 4, 4, 3)
    """
    x, data_format = _block_arguments("depth_to_space", x, block_size, data_format)
    r = block_size
    if data_format == "channels_last":
        _, h, w, c = x.shape
    else:
        _, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(
            f"depth_to_space: the channel count {c} must be divisible by block_size ** 2 = "
            f"{r * r}. Received x of shape {tuple(x.shape)} ({data_format}). Use a block size "
            "whose square divides the channels."
        )
    depth = c // (r * r)
    if data_format == "channels_last":
        x = _np.reshape(x, (-1, h, w, r, r, depth))
        x = _np.transpose(x, (0, 1, 3, 2, 4, 5))  # (N, H, r, W, r, C)
        return _np.reshape(x, (-1, h * r, w * r, depth))
    x = _np.reshape(x, (-1, depth, r, r, h, w))
    x = _np.transpose(x, (0, 1, 4, 2, 5, 3))  # (N, C, H, r, W, r)
    return _np.reshape(x, (-1, depth, h * r, w * r))


@dispatch
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move spatial blocks into channels: ``(N, H * r, W * r, C)`` becomes
    ``(N, H, W, C * r * r)``; the inverse of :func:`depth_to_space` (same channel order).

    Args:
        x: a 4-D tensor whose height and width are divisible by ``block_size``.
        block_size: the side ``r`` of each spatial block, a positive int.
        data_format: ``"channels_last"`` (the default) or ``"channels_first"``.

    Returns:
        A tensor of the dtype of ``x`` with ``1 / r`` times the height and width and
        ``r ** 2`` times the channels.

    Example:
        >>> ops.space_to_depth(np.zeros((1, 4, 4, 3)), 2).shape
        (1, 2, 2, 12)
    """
    x, data_format = _block_arguments("space_to_depth", x, block_size, data_format)
    r = block_size
    if data_format == "channels_last":
        _, height, width, c = x.shape
    else:
        _, c, height, width = x.shape
    if height % r or width % r:
        raise ValueError(
            f"space_to_depth: the height {height} and width {width} must be divisible by "
            f"block_size={r}. Received x of shape {tuple(x.shape)} ({data_format}). Crop or "
            "pad the image, or pick a block size that divides both."
        )
    h, w = height // r, width // r
    if data_format == "channels_last":
        x = _np.reshape(x, (-1, h, r, w, r, c))
        x = _np.transpose(x, (0, 1, 3, 2, 4, 5))  # (N, H, W, r, r, C)
        return _np.reshape(x, (-1, h, w, r * r * c))
    x = _np.reshape(x, (-1, c, h, r, w, r))
    x = _np.transpose(x, (0, 1, 3, 5, 2, 4))  # (N, C, r, r, H, W)
    return _np.reshape(x, (-1, c * r * r, h, w))


# -- signal quality and complex construction -----------------------------------------------
@dispatch
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio, in decibels: ``20 log10(max_val) - 10 log10(mse)``.

    ``mse`` is the mean squared difference over all elements; identical inputs give
    ``inf``. The ratio is negative when the noise outweighs ``max_val ** 2``.

    Args:
        x1: the reference signal.
        x2: the signal to compare, of the same shape.
        max_val: the largest value a signal can take (1.0 for images in [0, 1], 255 for
            8-bit images).

    Returns:
        A float scalar tensor.

    Example:
        >>> ops.psnr(np.ones((2, 2)), np.full((2, 2), 0.9), 1.0)  # 20.0 (about)
    """
    x1, x2 = _core.convert_to_tensor(x1), _core.convert_to_tensor(x2)
    if tuple(x1.shape) != tuple(x2.shape):
        raise ValueError(
            f"psnr: `x1` and `x2` must have the same shape. Received shapes "
            f"{tuple(x1.shape)} and {tuple(x2.shape)}."
        )
    dtype = _np.result_dtype(x1, x2)
    dtype = dtype if "float" in dtype else config.floatx()
    x1, x2 = _core.cast(x1, dtype), _core.cast(x2, dtype)
    mse = _np.mean(_np.square(_np.subtract(x1, x2)))
    peak = _np.log10(_core.cast(max_val, dtype))
    return _np.subtract(_np.multiply(20.0, peak), _np.multiply(10.0, _np.log10(mse)))


@dispatch
def polar(abs_, angle):
    """The complex numbers with magnitude ``abs_`` and angle ``angle`` (radians):
    ``abs_ * (cos(angle) + 1j * sin(angle))``, like ``torch.polar``.

    Args:
        abs_: the magnitudes, a float tensor.
        angle: the angles in radians, broadcastable with ``abs_``.

    Returns:
        A complex tensor (complex64 for float32 inputs, complex128 for float64).

    Example:
        >>> ops.polar(np.array([2.0]), np.array([0.0]))  # [2+0j]
    """
    abs_, angle = _core.convert_to_tensor(abs_), _core.convert_to_tensor(angle)
    dtype = _np.result_dtype(abs_, angle)
    dtype = dtype if "float" in dtype else config.floatx()
    abs_, angle = _core.cast(abs_, dtype), _core.cast(angle, dtype)
    real = _np.multiply(abs_, _np.cos(angle))
    imag = _np.multiply(abs_, _np.sin(angle))
    return _math.view_as_complex(_np.stack([real, imag], axis=-1))


# -- sliding blocks: unfold (im2col) and fold (col2im) -------------------------------------
def _pair_argument(op_name, name, value, minimum):
    values = (value, value) if isinstance(value, int) and not isinstance(value, bool) \
        else value
    try:
        values = tuple(values)
    except TypeError:
        values = ()
    if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool)
                                   and v >= minimum for v in values):
        raise ValueError(
            f"{op_name}: `{name}` must be an int >= {minimum} or a tuple of two such ints "
            f"(height, width). Received: {name}={value!r}."
        )
    return values


def _block_grid(op_name, size, kernel_size, dilation, padding, stride):
    """The number of block positions along each spatial axis; raise when there are none."""
    counts = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                   for s, k, d, p, st in zip(size, kernel_size, dilation, padding, stride))
    if any(c < 1 for c in counts):
        raise ValueError(
            f"{op_name}: no block fits: the spatial size {tuple(size)} with padding={padding} "
            f"is smaller than the dilated kernel (kernel_size={kernel_size}, "
            f"dilation={dilation}). Use a larger input, more padding or a smaller kernel."
        )
    return counts


@dispatch
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks of a channels-first image batch (im2col), like
    ``torch.nn.functional.unfold``.

    Args:
        x: a 4-D tensor ``(N, C, H, W)`` (channels first).
        kernel_size: the block size, an int or ``(kH, kW)``.
        dilation: the spacing between block taps, an int or a pair; default 1.
        padding: zeros added on both sides of each spatial axis, an int or a pair;
            default 0.
        stride: the step between blocks, an int or a pair; default 1.

    Returns:
        ``(N, C * kH * kW, L)``: column ``l`` holds block ``l`` (row-major over the block
        grid), channel-major then row-major within the block. :func:`fold` sums them back.

    Example:
        >>> ops.unfold(np.ones((1, 2, 4, 4)), kernel_size=2, stride=2).shape
        (1, 8, 4)
    """
    x = _core.convert_to_tensor(x)
    if len(x.shape) != 4:
        raise ValueError(
            "unfold: `x` must be a 4-D channels-first batch (N, C, H, W). Received x of shape "
            f"{tuple(x.shape)}."
        )
    kernel_size = _pair_argument("unfold", "kernel_size", kernel_size, 1)
    dilation = _pair_argument("unfold", "dilation", dilation, 1)
    padding = _pair_argument("unfold", "padding", padding, 0)
    stride = _pair_argument("unfold", "stride", stride, 1)
    _, c, height, width = x.shape
    rows, cols = _block_grid("unfold", (height, width), kernel_size, dilation, padding, stride)
    if any(padding):
        x = _np.pad(x, [(0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2])
    # One gather: the flat padded-image position of every (tap, block) pair.
    index = _block_positions(x.shape[3], kernel_size, dilation, stride, rows, cols)
    flat = _np.reshape(x, (-1, c, x.shape[2] * x.shape[3]))
    patches = _np.take(flat, _core.convert_to_tensor(index, dtype="int32"), axis=2)
    return _np.reshape(patches, (-1, c * kernel_size[0] * kernel_size[1], rows * cols))


def _block_positions(padded_width, kernel_size, dilation, stride, rows, cols):
    """Flat positions in a padded image, ordered (tap row, tap col, block row, block col)."""
    positions = []
    for i in range(kernel_size[0]):
        for j in range(kernel_size[1]):
            for r in range(rows):
                row = (r * stride[0] + i * dilation[0]) * padded_width
                positions.extend(row + q * stride[1] + j * dilation[1] for q in range(cols))
    return positions


@dispatch
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into a channels-first image batch (col2im), like
    ``torch.nn.functional.fold``; the adjoint of :func:`unfold` (overlaps add up).

    Args:
        x: ``(N, C * kH * kW, L)``, laid out as :func:`unfold` gives.
        output_size: the image size ``(H, W)``, an int or a pair.
        kernel_size: the block size, an int or ``(kH, kW)``.
        dilation: the spacing between block taps, an int or a pair; default 1.
        padding: the zero padding :func:`unfold` added on each side (cropped off here),
            an int or a pair; default 0.
        stride: the step between blocks, an int or a pair; default 1.

    Returns:
        ``(N, C, H, W)``.

    Example:
        >>> patches = ops.unfold(np.ones((1, 2, 4, 4)), kernel_size=2, stride=2)
        >>> ops.fold(patches, (4, 4), kernel_size=2, stride=2).shape
        (1, 2, 4, 4)
    """
    x = _core.convert_to_tensor(x)
    output_size = _pair_argument("fold", "output_size", output_size, 1)
    kernel_size = _pair_argument("fold", "kernel_size", kernel_size, 1)
    dilation = _pair_argument("fold", "dilation", dilation, 1)
    padding = _pair_argument("fold", "padding", padding, 0)
    stride = _pair_argument("fold", "stride", stride, 1)
    rows, cols = _block_grid("fold", output_size, kernel_size, dilation, padding, stride)
    taps = kernel_size[0] * kernel_size[1]
    if len(x.shape) != 3 or x.shape[1] % taps or x.shape[2] != rows * cols:
        raise ValueError(
            f"fold: `x` must have shape (N, C * {taps}, {rows * cols}) for "
            f"kernel_size={kernel_size} and a {rows} x {cols} block grid (output_size="
            f"{output_size}, padding={padding}, stride={stride}, dilation={dilation}). "
            f"Received x of shape {tuple(x.shape)}."
        )
    c = x.shape[1] // taps
    padded_h, padded_w = output_size[0] + 2 * padding[0], output_size[1] + 2 * padding[1]
    # One scatter-add: each (tap, block) value goes to its padded-image position.
    index = _block_positions(padded_w, kernel_size, dilation, stride, rows, cols)
    values = _np.moveaxis(_np.reshape(x, (-1, c, taps * rows * cols)), -1, 0)  # (K*L, N, C)
    summed = _math.segment_sum(values, _core.convert_to_tensor(index, dtype="int32"),
                               num_segments=padded_h * padded_w)
    image = _np.reshape(_np.moveaxis(summed, 0, -1), (-1, c, padded_h, padded_w))
    return image[:, :, padding[0]:padding[0] + output_size[0],
                 padding[1]:padding[1] + output_size[1]]


# -- adaptive pooling ----------------------------------------------------------------------
def _adaptive_arguments(op_name, inputs, output_size, data_format):
    inputs = _core.convert_to_tensor(inputs)
    rank = len(inputs.shape) - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op_name}: `inputs` must have rank 3, 4 or 5 (batch, 1 to 3 spatial axes and "
            f"a channel axis). Received inputs of shape {tuple(inputs.shape)}."
        )
    output_size = _pool_tuple(output_size, rank, "output_size", op_name)
    data_format = config.standardize_data_format(data_format)
    first = 1 if data_format == "channels_last" else 2
    return inputs, output_size, tuple(range(first, first + rank))


def _adaptive_bins(length, bins):
    """Start and end of each of ``bins`` windows over ``length`` cells: ``floor(i * L / n)``
    to ``ceil((i + 1) * L / n)``, so the windows cover every cell and may overlap by one."""
    starts = [(i * length) // bins for i in range(bins)]
    ends = [-((-(i + 1) * length) // bins) for i in range(bins)]
    return starts, ends


def _split_axis(x, axis, bins):
    """``x`` with ``axis`` split into ``(bins, size // bins)``: the windows, when they tile."""
    shape = list(x.shape)
    shape[axis:axis + 1] = [bins, shape[axis] // bins]
    return _np.reshape(x, shape)


def _adaptive_average_axis(x, axis, bins):
    length = x.shape[axis]
    if length % bins == 0:  # equal windows side by side: a reshape and a mean
        return _np.mean(_split_axis(x, axis, bins), axis=axis + 1)
    starts, ends = _adaptive_bins(length, bins)
    # A (length, bins) averaging matrix: one matmul per axis, exact weights 1 / width.
    weights = [[1.0 / (e - s) if s <= cell < e else 0.0 for s, e in zip(starts, ends)]
               for cell in range(length)]
    weights = _core.convert_to_tensor(weights, dtype=_core.dtype(x))
    moved = _np.moveaxis(x, axis, -1)
    return _np.moveaxis(_np.matmul(moved, weights), -1, axis)


def _adaptive_max_axis(x, axis, bins):
    length = x.shape[axis]
    if length % bins == 0:
        return _np.max(_split_axis(x, axis, bins), axis=axis + 1)
    starts, ends = _adaptive_bins(length, bins)
    width = max(e - s for s, e in zip(starts, ends))
    # Each window's cells, the last one repeated to a common width (harmless for a max).
    index = [min(s + k, e - 1) for s, e in zip(starts, ends) for k in range(width)]
    gathered = _np.take(x, _core.convert_to_tensor(index, dtype="int32"), axis=axis)
    shape = list(x.shape)
    shape[axis:axis + 1] = [bins, width]
    return _np.max(_np.reshape(gathered, shape), axis=axis + 1)


@dispatch
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed output size, whatever the input size.

    Output cell ``i`` of an axis of length ``L`` pooled to ``n`` cells averages input cells
    ``floor(i * L / n)`` to ``ceil((i + 1) * L / n) - 1`` (PyTorch's and Keras's windows).

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        output_size: the spatial output size, an int or one int per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        A float tensor with the spatial axes of size ``output_size``.

    Example:
        >>> ops.adaptive_average_pool(np.ones((2, 9, 7, 3)), (2, 3)).shape
        (2, 2, 3, 3)
    """
    inputs, output_size, axes = _adaptive_arguments("adaptive_average_pool", inputs,
                                                    output_size, data_format)
    dtype = _core.dtype(inputs)
    x = inputs if "float" in dtype else _core.cast(inputs, config.floatx())
    for axis, bins in zip(axes, output_size):
        x = _adaptive_average_axis(x, axis, bins)
    return x


@dispatch
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed output size, whatever the input size.

    The windows are those of :func:`adaptive_average_pool`.

    Args:
        inputs: a rank 3, 4 or 5 tensor: ``(batch, *spatial, channels)`` for
            ``channels_last`` or ``(batch, channels, *spatial)`` for ``channels_first``.
        output_size: the spatial output size, an int or one int per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.

    Returns:
        A tensor of the dtype of ``inputs`` with the spatial axes of size ``output_size``.

    Example:
        >>> ops.adaptive_max_pool(np.ones((2, 9, 3)), 4).shape
        (2, 4, 3)
    """
    inputs, output_size, axes = _adaptive_arguments("adaptive_max_pool", inputs,
                                                    output_size, data_format)
    x = inputs
    for axis, bins in zip(axes, output_size):
        x = _adaptive_max_axis(x, axis, bins)
    return x
