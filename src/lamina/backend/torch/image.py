"""torch image primitives: resizing.

Cropping or padding to an aspect ratio is written once in ``lamina.ops.image``; this file
only resamples. Interpolation follows the half-pixel convention that JAX and Keras use.
"""

import torch
import torch.nn.functional as F

from lamina.backend.torch.core import convert_to_tensor

# Keras's "nearest" samples the source cell whose centre is nearest the output cell's
# centre; torch calls that "nearest-exact" ("nearest" floors without the half-pixel shift).
_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact"}


def resize(images, size, interpolation="bilinear", antialias=False,
           data_format="channels_last"):
    x = convert_to_tensor(images)
    dtype = x.dtype
    if not dtype.is_floating_point:
        x = x.to(torch.float32)
    is_single = x.ndim == 3
    if is_single:
        x = x.unsqueeze(0)
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    mode = _MODES[interpolation]
    out = F.interpolate(
        x, size=tuple(size), mode=mode,
        align_corners=False if mode == "bilinear" else None,
        antialias=bool(antialias) and mode == "bilinear",
    )
    if data_format == "channels_last":
        out = out.permute(0, 2, 3, 1)
    if is_single:
        out = out.squeeze(0)
    if not dtype.is_floating_point:
        out = torch.round(out).to(dtype)
    return out
