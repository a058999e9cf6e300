"""JAX neural-network primitives: activations, softmax, one-hot, normalization moments."""

import functools
import itertools

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common import conv_utils
from lamina.backend.jax.core import convert_to_tensor
from lamina.backend.jax.core import to_jax_dtype


def _float(x):
    x = convert_to_tensor(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(to_jax_dtype(None))
    return x


def relu(x):
    return jax.nn.relu(_float(x))


def relu6(x):
    return jax.nn.relu6(_float(x))


def sigmoid(x):
    return jax.nn.sigmoid(_float(x))


def log_sigmoid(x):
    return jax.nn.log_sigmoid(_float(x))


def softplus(x):
    return jax.nn.softplus(_float(x))


def softsign(x):
    return jax.nn.soft_sign(_float(x))


def silu(x):
    return jax.nn.silu(_float(x))


def gelu(x, approximate=True):
    return jax.nn.gelu(_float(x), approximate=approximate)


def elu(x, alpha=1.0):
    return jax.nn.elu(_float(x), alpha=alpha)


def selu(x):
    return jax.nn.selu(_float(x))


def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(_float(x), negative_slope=negative_slope)


def hard_sigmoid(x):
    return jax.nn.hard_sigmoid(_float(x))


def hard_silu(x):
    return jax.nn.hard_silu(_float(x))


def mish(x):
    x = _float(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def softmax(x, axis=-1):
    return jax.nn.softmax(_float(x), axis=axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(_float(x), axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    # Negative or out-of-range ids give all-zero rows, as in Keras.
    return jax.nn.one_hot(convert_to_tensor(x), num_classes, axis=axis, dtype=to_jax_dtype(dtype))


def moments(x, axes, keepdims=False):
    x = _float(x)
    axes = tuple(axes)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    if not keepdims:
        mean = jnp.squeeze(mean, axis=axes)
        variance = jnp.squeeze(variance, axis=axes)
    return mean, variance


# -- pooling -------------------------------------------------------------------------------
# The ops layer hands these tuples (pool_size, strides), a lower-case padding and a resolved
# data_format. lax.reduce_window takes explicit per-axis pads, so "same" follows TF's rule
# (the extra cell after) exactly as on torch.


def _pool_same_pads(sizes, pool_size, strides):
    """TF-style "same" pads per spatial axis: ``(before, after)``, the extra cell after."""
    pads = []
    for size, window, stride in zip(sizes, pool_size, strides):
        out = -(-size // stride)
        total = max((out - 1) * stride + window - size, 0)
        pads.append((total // 2, total - total // 2))
    return pads


def _pool_window(x, pool_size, strides, padding, data_format):
    """Full-rank window, strides and pads for ``lax.reduce_window``."""
    strides = pool_size if strides is None else strides
    if data_format == "channels_last":
        sizes = x.shape[1:-1]
        frame = lambda spatial, fill: (fill,) + tuple(spatial) + (fill,)  # noqa: E731
    else:
        sizes = x.shape[2:]
        frame = lambda spatial, fill: (fill, fill) + tuple(spatial)  # noqa: E731
    if padding == "same":
        pads = _pool_same_pads(sizes, pool_size, strides)
    else:
        pads = [(0, 0)] * len(sizes)
    return frame(pool_size, 1), frame(strides, 1), list(frame(pads, (0, 0)))


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    x = convert_to_tensor(inputs)
    window, steps, pads = _pool_window(x, pool_size, strides, padding, data_format)
    if jnp.issubdtype(x.dtype, jnp.floating):
        init = -jnp.inf
    else:
        init = jnp.iinfo(x.dtype).min
    cells = 1
    for size in window:
        cells *= size
    if cells <= _MAX_SLICED_CELLS and _slices_preferred():
        # One strided slice per window cell and an elementwise max: XLA:CPU runs
        # reduce_window's gradient (select-and-scatter) 10-20x slower than this (2x2 pool
        # over a (128, 26, 26, 32) batch: 32 ms against 2 ms), two thirds of a small CNN's
        # training step. Accelerators run reduce_window well (the same values and
        # gradients: see _window_max_jvp).
        return _sliced_max(x, window, steps, tuple(map(tuple, pads)), init)
    # A concrete NumPy -inf start (not a jnp array, which is traced inside jit) lets JAX
    # recognise the max monoid and use its differentiable reduce_window_max.
    return jax.lax.reduce_window(x, np.array(init, x.dtype), jax.lax.max, window, steps, pads)


# Windows of up to this many cells are pooled as strided slices on the CPU (see max_pool).
_MAX_SLICED_CELLS = 27


def _slices_preferred():
    """Whether max pooling runs as strided slices: on XLA:CPU (the default backend)."""
    return jax.default_backend() == "cpu"


def _window_cells(x, window, steps, pads, fill):
    """The input seen at each cell of every window: one strided slice of ``x`` (padded with
    ``fill``) per cell offset, in row-major order over the window."""
    if any(before or after for before, after in pads):
        x = jnp.pad(x, pads, constant_values=np.array(fill, x.dtype))
    counts = [(size - w) // s + 1 for size, w, s in zip(x.shape, window, steps)]
    cells = []
    for offset in itertools.product(*[range(w) for w in window]):
        limit = [o + (n - 1) * s + 1 for o, n, s in zip(offset, counts, steps)]
        cells.append(jax.lax.slice(x, offset, limit, steps))
    return cells


def _sliced_max(x, window, steps, pads, fill):
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return functools.reduce(jnp.maximum, _window_cells(x, window, steps, pads, fill))
    return _window_max(x, window, steps, pads, fill)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2, 3, 4))
def _window_max(x, window, steps, pads, fill):
    return functools.reduce(jnp.maximum, _window_cells(x, window, steps, pads, fill))


@_window_max.defjvp
def _window_max_jvp(window, steps, pads, fill, primals, tangents):
    # As reduce_window's derivative (and torch's max-pool indices): each window follows
    # its first maximal cell in row-major order, also on ties. Reverse mode transposes
    # this, so each window's gradient goes to that cell; overlapping windows add up.
    # (A custom JVP, not VJP: forward mode, jacfwd and hessians keep working.)
    (x,), (tangent,) = primals, tangents
    cells = _window_cells(x, window, steps, pads, fill)
    peak = functools.reduce(jnp.maximum, cells)
    taken = jnp.zeros(peak.shape, bool)
    zero = jnp.zeros((), tangent.dtype)
    out = None
    for cell, cell_tangent in zip(cells, _window_cells(tangent, window, steps, pads, 0)):
        hit = (cell == peak) & ~taken
        taken = taken | hit
        part = jnp.where(hit, cell_tangent, zero)
        out = part if out is None else out + part
    return peak, out


def average_pool(inputs, pool_size, strides=None, padding="valid",
                 data_format="channels_last"):
    x = _float(inputs)
    window, steps, pads = _pool_window(x, pool_size, strides, padding, data_format)
    zero = np.array(0, x.dtype)
    total = jax.lax.reduce_window(x, zero, jax.lax.add, window, steps, pads)
    if padding != "same":
        cells = 1
        for w in pool_size:
            cells *= w
        return total / cells
    # The average is over the real cells of each window only (as in TF / Keras): divide
    # by how many real cells each window covers, counted on a ones array.
    ones = jnp.ones(_pool_ones_shape(x.shape, data_format), x.dtype)
    count = jax.lax.reduce_window(ones, zero, jax.lax.add, window, steps, pads)
    return total / count


def _pool_ones_shape(shape, data_format):
    if data_format == "channels_last":
        return (1,) + tuple(shape[1:-1]) + (1,)
    return (1, 1) + tuple(shape[2:])


# -- convolutions --------------------------------------------------------------------------
# The ops layer hands these tuples (strides, dilation_rate, output_padding), a lower-case
# padding and a resolved data_format. Kernels come in Keras's layout, (*spatial, in, out)
# ((*spatial, out, in) for conv_transpose), which lax reads directly through dimension
# numbers; "same" is given to lax as explicit TF-style pads (the odd cell after).

_SPATIAL = "DHW"


def _conv_operands(inputs, kernel):
    inputs = _float(inputs)
    kernel = convert_to_tensor(kernel)
    dtype = jnp.promote_types(inputs.dtype, kernel.dtype)
    return inputs.astype(dtype), kernel.astype(dtype)


def _conv_dimension_numbers(rank, data_format, kernel_spec):
    spatial = _SPATIAL[-rank:]
    data = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    return (data, spatial + kernel_spec, data)


def _spatial_sizes(x, data_format):
    return x.shape[1:-1] if data_format == "channels_last" else x.shape[2:]


def conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last",
         dilation_rate=1, bias=None):
    inputs, kernel = _conv_operands(inputs, kernel)
    rank = inputs.ndim - 2
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if padding == "same":
        pads = conv_utils.conv_same_pads(_spatial_sizes(inputs, data_format), kernel.shape[:rank],
                               strides, dilation_rate)
    else:
        pads = [(0, 0)] * rank
    out = jax.lax.conv_general_dilated(
        inputs, kernel, window_strides=tuple(strides), padding=pads,
        rhs_dilation=tuple(dilation_rate),
        dimension_numbers=_conv_dimension_numbers(rank, data_format, "IO"),
        feature_group_count=channels // kernel.shape[-2],
    )
    if bias is not None:  # (out_channels,) on the channel axis; XLA fuses the addition
        bias = convert_to_tensor(bias).astype(out.dtype)
        out = out + (bias if data_format == "channels_last" else
                     bias.reshape((-1,) + (1,) * rank))
    return out


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last",
                   dilation_rate=1):
    kernel = convert_to_tensor(kernel)
    # (*spatial, in, multiplier) -> (*spatial, 1, in * multiplier): one group per input
    # channel, output channel c * multiplier + m as in Keras.
    kernel = kernel.reshape(*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1])
    return conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format="channels_last", dilation_rate=1):
    x = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    rank = x.ndim - 2
    return conv(x, pointwise_kernel, (1,) * rank, "valid", data_format, (1,) * rank)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format="channels_last", dilation_rate=1):
    inputs, kernel = _conv_operands(inputs, kernel)
    rank = inputs.ndim - 2
    output_padding = (None,) * rank if output_padding is None else output_padding
    # A transposed conv is a conv of the stride-dilated input with the flipped kernel;
    # pads of effective_kernel - 1 on both sides give the full result, and the crop window
    # shifts them (negative pads crop).
    pads = []
    for size, k, s, d, op in zip(_spatial_sizes(inputs, data_format), kernel.shape[:rank],
                                 strides, dilation_rate, output_padding):
        start, length = conv_utils.conv_transpose_crop(size, k, s, d, padding, op)
        effective = (k - 1) * d + 1
        before = effective - 1 - start
        pads.append((before, length + effective - 2 - (size - 1) * s - before))
    flipped = jnp.flip(kernel, axis=tuple(range(rank)))
    return jax.lax.conv_general_dilated(
        inputs, flipped, window_strides=(1,) * rank, padding=pads,
        lhs_dilation=tuple(strides), rhs_dilation=tuple(dilation_rate),
        dimension_numbers=_conv_dimension_numbers(rank, data_format, "OI"),
    )


def dense(inputs, kernel, bias=None, activation=None):
    """``activation(inputs @ kernel + bias)``, ``activation`` None or ``"relu"`` (XLA
    fuses the add and the activation into the matmul's output)."""
    outputs = jnp.matmul(convert_to_tensor(inputs), convert_to_tensor(kernel))
    if bias is not None:
        outputs = outputs + convert_to_tensor(bias)
    if activation is None:
        return outputs
    if activation == "relu":
        return jax.nn.relu(outputs)
    raise ValueError(f"dense: unsupported fused activation {activation!r}; expected None or "
                     "'relu'.")


def mean_squared_error_mean(target, output):
    """``mean((target - output) ** 2)`` over all entries (same shapes)."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target).astype(output.dtype)
    return jnp.mean(jnp.square(target - output))


# -- cross-entropies (the compiled step fuses them; written here to match torch's set) ----
# Keras's numbers: probabilities are clipped to [epsilon, 1 - epsilon] (categorical ones
# rescaled to sum to 1 first); logits go through the stable log-sigmoid / log-softmax.

def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (``output``: probabilities, or logits)."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target).astype(output.dtype)
    if from_logits:
        return jnp.maximum(output, 0) - output * target + jnp.log1p(jnp.exp(-jnp.abs(output)))
    eps = _epsilon()
    output = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


def _log_probabilities(output, from_logits, axis):
    if from_logits:
        return jax.nn.log_softmax(output, axis=axis)
    eps = _epsilon()
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    return jnp.log(jnp.clip(output, eps, 1.0 - eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predictions along ``axis``."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target).astype(output.dtype)
    return -jnp.sum(target * _log_probabilities(output, from_logits, axis), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class ids (``output``'s shape without ``axis``) and
    predictions. A label outside ``[0, classes)`` gives a loss of 0, as with one-hot
    targets."""
    output = convert_to_tensor(output)
    target = convert_to_tensor(target)
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, -1)
    log_prob = jnp.moveaxis(_log_probabilities(output, from_logits, axis), axis, -1)
    classes = log_prob.shape[-1]
    target = target.astype("int32")
    inside = (target >= 0) & (target < classes)
    picked = jnp.take_along_axis(log_prob, jnp.where(inside, target, 0)[..., None],
                                 axis=-1)[..., 0]
    return jnp.where(inside, -picked, jnp.zeros_like(picked))


def _epsilon():
    from lamina.backend import config

    return config.epsilon()
