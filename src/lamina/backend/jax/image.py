"""JAX image primitives: resizing.

Cropping or padding to an aspect ratio is written once in ``lamina.ops.image``; this file
only resamples. Interpolation follows the half-pixel convention of ``jax.image.resize``.
"""

import jax
import jax.numpy as jnp

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
