"""NumPy references for the image preprocessing tests: a pixel-by-pixel projective sampler.

Written from the documented behaviour (output pixel -> input point, pixel centres at integer
coordinates, each neighbour's index folded into the image by the fill mode), one pixel at a
time, so it shares no code or vectorisation trick with the engines.
"""

import math

import numpy as np


def _fold(index, size, fill_mode):
    """The in-image index that ``index`` reads under ``fill_mode``; None for the fill value."""
    if 0 <= index < size:
        return index
    if fill_mode == "constant":
        return None
    if fill_mode == "nearest":
        return min(max(index, 0), size - 1)
    if fill_mode == "wrap":
        return index % size
    while not 0 <= index < size:
        if fill_mode == "reflect":  # about the pixel edge: -1 -> 0, size -> size - 1
            index = -index - 1 if index < 0 else 2 * size - 1 - index
        else:  # "mirror", about the pixel centre: -1 -> 1, size -> size - 2
            if size == 1:
                return 0
            index = -index if index < 0 else 2 * (size - 1) - index
    return index


def _round_half_away(value):
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0, data_format="channels_last"):
    """The reference for ``ops.image.affine_transform`` (float64 maths)."""
    images = np.asarray(images)
    transform = np.asarray(transform, dtype="float64")
    single = images.ndim == 3
    x = images[None] if single else images
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    transform = np.broadcast_to(transform.reshape(-1, 8), (x.shape[0], 8))
    batch, height, width, channels = x.shape
    out = np.zeros((batch, height, width, channels), dtype="float64")
    for b in range(batch):
        a0, a1, a2, b0, b1, b2, c0, c1 = transform[b]
        for row in range(height):
            for col in range(width):
                k = c0 * col + c1 * row + 1
                source_x = (a0 * col + a1 * row + a2) / k
                source_y = (b0 * col + b1 * row + b2) / k
                if interpolation == "nearest":
                    taps = [(_round_half_away(source_y), _round_half_away(source_x), 1.0)]
                else:
                    y0, x0 = math.floor(source_y), math.floor(source_x)
                    wy, wx = source_y - y0, source_x - x0
                    taps = [(y0, x0, (1 - wy) * (1 - wx)), (y0, x0 + 1, (1 - wy) * wx),
                            (y0 + 1, x0, wy * (1 - wx)), (y0 + 1, x0 + 1, wy * wx)]
                for y, xx, weight in taps:
                    fy, fx = _fold(y, height, fill_mode), _fold(xx, width, fill_mode)
                    value = fill_value if fy is None or fx is None else x[b, fy, fx]
                    out[b, row, col] += weight * np.asarray(value, dtype="float64")
    if not np.issubdtype(images.dtype, np.floating):
        out = np.sign(out) * np.floor(np.abs(out) + 0.5)
    out = out.astype(images.dtype)
    if data_format == "channels_first":
        out = np.moveaxis(out, -1, 1)
    return out[0] if single else out


def rotation_transform(degrees, height, width):
    """Keras's rotation about the image centre, as one transform row."""
    angle = math.radians(degrees)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    cos, sin = math.cos(angle), math.sin(angle)
    return [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, 0, 0]


def zoom_transform(zoom_y, zoom_x, height, width):
    """Keras's zoom about the image centre, as one transform row."""
    return [zoom_x, 0, (width - 1) / 2 * (1 - zoom_x), 0, zoom_y,
            (height - 1) / 2 * (1 - zoom_y), 0, 0]
