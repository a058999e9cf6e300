"""JAX image primitives: resizing and affine (projective) resampling.

Cropping or padding to an aspect ratio is written once in ``lamina.ops.image``; this file
only resamples. ``resize`` follows the half-pixel convention of ``jax.image.resize``;
``affine_transform`` samples with ``jax.scipy.ndimage.map_coordinates``, whose rules the
torch engine reproduces. ``map_coordinates`` is an optional kernel (not in the interface):
``ops.image`` has a composite for engines without one.
"""

import functools

import jax
import jax.numpy as jnp
import jax.scipy.ndimage

from lamina.backend.jax.core import convert_to_tensor

_METHODS = {"bilinear": "linear", "nearest": "nearest"}


def resize(images, size, interpolation="bilinear", antialias=False,
           data_format="channels_last"):
    x = convert_to_tensor(images)
    dtype = x.dtype
    is_float = jnp.issubdtype(dtype, jnp.floating)
    if not is_float:
        x = x.astype(jnp.float32)
    height, width = size
    if data_format == "channels_last":
        shape = x.shape[:-3] + (height, width) + x.shape[-1:]
    else:
        shape = x.shape[:-2] + (height, width)
    out = jax.image.resize(x, shape, method=_METHODS[interpolation],
                           antialias=bool(antialias))
    if not is_float:
        out = jnp.round(out).astype(dtype)
    return out


_ORDERS = {"nearest": 0, "bilinear": 1}


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0, data_format="channels_last"):
    x = convert_to_tensor(images)
    transform = convert_to_tensor(transform)
    is_single = x.ndim == 3
    if is_single:
        x = x[None]
    if transform.ndim == 1:
        transform = transform[None]
    if data_format == "channels_first":
        x = jnp.transpose(x, (0, 2, 3, 1))
    out = _affine_sample(x, transform, fill_value, interpolation, fill_mode)
    if data_format == "channels_first":
        out = jnp.transpose(out, (0, 3, 1, 2))
    if is_single:
        out = out[0]
    return out


# Compiled once per shape and mode, so eager calls (a layer called outside fit) skip
# re-tracing the vmapped sampler; inside a jitted step it simply inlines. `fill_value` is
# static because map_coordinates takes its `cval` as a Python number.
@functools.partial(jax.jit, static_argnames=("fill_value", "interpolation", "fill_mode"))
def _affine_sample(x, transform, fill_value, interpolation, fill_mode):
    batch, height, width, _ = x.shape
    # 1. Where each output pixel (row y, column x) reads the input: one coordinate map
    #    per image, (batch, height, width).
    a0, a1, a2, b0, b1, b2, c0, c1 = (transform[:, i, None, None] for i in range(8))
    cols = jnp.arange(width, dtype=transform.dtype)[None, None, :]
    rows = jnp.arange(height, dtype=transform.dtype)[None, :, None]
    k = c0 * cols + c1 * rows + 1
    source_x = jnp.broadcast_to((a0 * cols + a1 * rows + a2) / k, (batch, height, width))
    source_y = jnp.broadcast_to((b0 * cols + b1 * rows + b2) / k, (batch, height, width))

    # 2. Sample each channel of each image at those points.
    def sample_plane(plane, ys, xs):  # plane: (height, width)
        return jax.scipy.ndimage.map_coordinates(
            plane, [ys, xs], order=_ORDERS[interpolation], mode=fill_mode, cval=fill_value)

    per_channel = jax.vmap(sample_plane, in_axes=(-1, None, None), out_axes=-1)
    return jax.vmap(per_channel)(x, source_y, source_x)


# An optional engine kernel (``lamina.ops.image`` has a composite for engines without
# one): JAX's own sampler, compiled once per shape instead of dispatching ~10 ops per
# neighbour. ``fill_value`` is static because map_coordinates takes its `cval` as a number.
@functools.partial(jax.jit, static_argnames=("order", "fill_mode", "fill_value"))
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    return jax.scipy.ndimage.map_coordinates(inputs, list(coordinates), order=order,
                                             mode=fill_mode, cval=fill_value)
