"""Colour maths shared by the colour augmentation layers: value-range checks and rescaling,
grayscale, RGB <-> HSV, a factor-range rule, and a 2-D depthwise filter.

Written with ``lamina.ops`` only, on images whose channel axis is given explicitly, so the
layers do not depend on ``ops.image``. The layers themselves live in their own modules.
"""

import numbers

from lamina import ops

# ITU-R BT.601 luma weights, the ones Keras 3 (and torchvision) use for grayscale.
LUMA_WEIGHTS = (0.2989, 0.587, 0.114)

_VALUE_RANGE_ERROR = (
    "{layer}: `value_range` must be a list or tuple of two numbers, the (low, high) range "
    "of the input values, e.g. (0, 255) or (0, 1). Received: value_range={value_range!r}."
)


def is_number(value):
    """True for ints and floats (not bools)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_value_range(layer, value_range):
    """``value_range`` as a sorted list of two numbers (Keras stores it sorted), or a
    ValueError naming ``layer``."""
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(is_number(v) for v in value_range)):
        raise ValueError(_VALUE_RANGE_ERROR.format(layer=layer, value_range=value_range))
    return sorted(value_range)


def nonnegative_factor_range(layer, factor, argument="factor", pair_low=0.0):
    """``(lower, upper)`` inside ``[0, 1]``: a number ``f`` gives ``(0, f)``, a pair is
    sorted. Used where the documented range of a single number starts at 0.

    ``pair_low`` lets a pair reach below 0: Keras 3 turns a number ``f`` into
    ``(-f, f)`` for some layers and saves that pair, and its files must still load.
    """
    message = (
        f"{layer}: `{argument}` must be a number or a pair of two numbers in [0, 1], "
        f"e.g. {argument}=0.5 or {argument}=(0.2, 0.8). Received: {argument}={factor!r}."
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(is_number(f) for f in factor):
            raise ValueError(message)
        if not all(pair_low <= f <= 1 for f in factor):
            raise ValueError(message)
        lower, upper = sorted(factor)
        return lower, upper
    if not is_number(factor) or not 0 <= factor <= 1:
        raise ValueError(message)
    return 0, factor


def rescale(images, source, target):
    """Maps ``images`` linearly from the ``source`` range to the ``target`` range."""
    if tuple(source) == tuple(target):
        return images
    scale = (target[1] - target[0]) / (source[1] - source[0])
    return ops.add(ops.multiply(ops.subtract(images, source[0]), scale), target[0])


def channel_axis(rank, data_format):
    """The channel axis of a rank-3 or rank-4 image tensor."""
    return rank - 1 if data_format == "channels_last" else rank - 3


def check_channels(layer, images, data_format, allowed=(3,)):
    """Raise unless the channel count is in ``allowed``; return the channel axis."""
    axis = channel_axis(len(images.shape), data_format)
    channels = images.shape[axis]
    if channels is not None and channels not in allowed:
        raise ValueError(
            f"{layer}: expected RGB images with {' or '.join(map(str, allowed))} channels "
            f"on axis {axis} ({data_format}). Received inputs of shape "
            f"{tuple(images.shape)}. Check `data_format`, or convert the images to RGB."
        )
    return axis


def rgb_to_grayscale(images, axis):
    """The luma of RGB ``images``, keeping a channel axis of size 1 at ``axis``."""
    red, green, blue = ops.split(images, 3, axis=axis)
    return ops.add(ops.add(ops.multiply(red, LUMA_WEIGHTS[0]),
                           ops.multiply(green, LUMA_WEIGHTS[1])),
                   ops.multiply(blue, LUMA_WEIGHTS[2]))


def rgb_to_hsv(images, axis):
    """RGB in ``[0, 1]`` to hue, saturation and value in ``[0, 1]`` (hue as a fraction of
    the colour circle), the channels stacked on ``axis``."""
    red, green, blue = (ops.squeeze(c, axis) for c in ops.split(images, 3, axis=axis))
    value = ops.maximum(ops.maximum(red, green), blue)
    spread = ops.subtract(value, ops.minimum(ops.minimum(red, green), blue))
    # Safe divisors: grey pixels (no spread) have hue 0, black ones saturation 0.
    safe_value = ops.where(value > 0, value, 1.0)
    safe_spread = ops.where(spread > 0, spread, 1.0)
    saturation = ops.where(value > 0, ops.divide(spread, safe_value), 0.0)
    sixth = ops.divide(1.0, ops.multiply(safe_spread, 6.0))
    hue = ops.where(ops.equal(value, green),
                    ops.add(ops.multiply(ops.subtract(blue, red), sixth), 2.0 / 6.0),
                    ops.add(ops.multiply(ops.subtract(red, green), sixth), 4.0 / 6.0))
    hue = ops.where(ops.equal(value, red), ops.multiply(ops.subtract(green, blue), sixth),
                    hue)
    hue = ops.where(spread > 0, hue, 0.0)
    hue = ops.where(hue < 0, ops.add(hue, 1.0), hue)
    return ops.stack([hue, saturation, value], axis=axis)


def hsv_to_rgb(images, axis):
    """The inverse of :func:`rgb_to_hsv`: hue, saturation, value in ``[0, 1]`` to RGB."""
    hue, saturation, value = (ops.squeeze(c, axis) for c in ops.split(images, 3, axis=axis))
    sector = ops.multiply(ops.mod(hue, 1.0), 6.0)
    # Each channel's share of the colour as a piecewise-linear function of the hue.
    red = ops.clip(ops.subtract(ops.abs(ops.subtract(sector, 3.0)), 1.0), 0.0, 1.0)
    green = ops.clip(ops.subtract(2.0, ops.abs(ops.subtract(sector, 2.0))), 0.0, 1.0)
    blue = ops.clip(ops.subtract(2.0, ops.abs(ops.subtract(sector, 4.0))), 0.0, 1.0)
    grey = ops.subtract(1.0, saturation)
    channels = [ops.multiply(value, ops.add(grey, ops.multiply(saturation, c)))
                for c in (red, green, blue)]
    return ops.stack(channels, axis=axis)


def filter2d(images, kernel, data_format):
    """Convolves each channel of ``images`` with the 2-D ``kernel`` (zero padding, same
    size out), as Keras's blur and sharpen do."""
    single = len(images.shape) == 3
    if single:
        images = ops.expand_dims(images, 0)
    if data_format == "channels_first":
        images = ops.moveaxis(images, 1, -1)
    channels = images.shape[-1]
    # (kernel_height, kernel_width, channels, 1): the same filter for every channel
    kernel = ops.tile(ops.expand_dims(ops.expand_dims(kernel, -1), -1), (1, 1, channels, 1))
    out = ops.depthwise_conv(images, ops.cast(kernel, images.dtype), strides=1,
                             padding="same", data_format="channels_last")
    if data_format == "channels_first":
        out = ops.moveaxis(out, -1, 1)
    return out[0] if single else out
