"""torch image primitives: resizing and affine (projective) resampling.

Cropping or padding to an aspect ratio is written once in ``lamina.ops.image``; this file
only resamples. ``resize`` follows the half-pixel convention that JAX and Keras use;
``affine_transform`` samples at integer pixel centres with the rules of
``jax.scipy.ndimage.map_coordinates`` (what the JAX engine calls), so both engines agree.
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


def _round_half_away_from_zero(x):
    # torch.round rounds halves to even; JAX's map_coordinates rounds them away from zero,
    # and the engines must pick the same pixel for a coordinate such as 2.5.
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def _reflect_index(index, size):
    # (d c b a | a b c d | d c b a): the pattern repeats every 2 * size pixels.
    index = torch.remainder(index, 2 * size)
    return torch.where(index < size, index, 2 * size - 1 - index)


def _mirror_index(index, size):
    # (d c b | a b c d | c b a): the edge pixel is not repeated; the period is 2 * (size - 1).
    if size == 1:
        return torch.zeros_like(index)
    period = 2 * (size - 1)
    index = torch.remainder(index, period)
    return torch.where(index < size, index, period - index)


_INDEX_FIXERS = {
    # "constant" clips too, so every gather reads inside the image; the out-of-range reads
    # are then replaced by the fill value.
    "constant": lambda index, size: torch.clamp(index, 0, size - 1),
    "nearest": lambda index, size: torch.clamp(index, 0, size - 1),
    "wrap": torch.remainder,
    "mirror": _mirror_index,
    "reflect": _reflect_index,
}


def _neighbours(coordinate, interpolation):
    """``[(index, weight), ...]``: the pixels that one coordinate axis reads, and how much."""
    if interpolation == "nearest":
        return [(_round_half_away_from_zero(coordinate).to(torch.int64), None)]
    lower = torch.floor(coordinate)
    upper_weight = coordinate - lower
    lower = lower.to(torch.int64)
    return [(lower, 1 - upper_weight), (lower + 1, upper_weight)]


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0, data_format="channels_last"):
    x = convert_to_tensor(images)
    transform = convert_to_tensor(transform).to(x.device)
    dtype = x.dtype
    is_single = x.ndim == 3
    if is_single:
        x = x.unsqueeze(0)
    if transform.ndim == 1:
        transform = transform.unsqueeze(0)
    if data_format == "channels_first":
        x = x.permute(0, 2, 3, 1)
    batch, height, width, channels = x.shape

    # 1. Where each output pixel (row y, column x) reads the input: one coordinate map
    #    per image, (batch, height, width).
    a0, a1, a2, b0, b1, b2, c0, c1 = (transform[:, i, None, None] for i in range(8))
    cols = torch.arange(width, dtype=transform.dtype, device=x.device)[None, None, :]
    rows = torch.arange(height, dtype=transform.dtype, device=x.device)[None, :, None]
    k = c0 * cols + c1 * rows + 1
    source_x = ((a0 * cols + a1 * rows + a2) / k).expand(batch, height, width)
    source_y = ((b0 * cols + b1 * rows + b2) / k).expand(batch, height, width)

    # 2. Gather whole pixels (every channel at once) from each neighbour and weight them.
    if not dtype.is_floating_point:
        fill_value = int(fill_value)  # as JAX casts `cval` to the image dtype
    fix = _INDEX_FIXERS[fill_mode]
    flat = x.reshape(batch * height * width, channels)
    image_offset = (torch.arange(batch, device=x.device) * (height * width))[:, None, None]
    out = None
    for row, row_weight in _neighbours(source_y, interpolation):
        for col, col_weight in _neighbours(source_x, interpolation):
            index = image_offset + fix(row, height) * width + fix(col, width)
            values = flat[index]  # (batch, height, width, channels)
            if fill_mode == "constant":
                inside = (row >= 0) & (row < height) & (col >= 0) & (col < width)
                values = torch.where(inside[..., None], values,
                                     torch.as_tensor(fill_value, dtype=dtype, device=x.device))
            if row_weight is not None:
                values = (row_weight * col_weight)[..., None] * values
            out = values if out is None else out + values

    if out.dtype.is_floating_point and not dtype.is_floating_point:
        out = _round_half_away_from_zero(out)
    out = out.to(dtype)
    if data_format == "channels_first":
        out = out.permute(0, 3, 1, 2)
    if is_single:
        out = out.squeeze(0)
    return out
