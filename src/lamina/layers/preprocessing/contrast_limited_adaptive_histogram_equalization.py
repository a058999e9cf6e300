"""``ContrastLimitedAdaptiveHistogramEqualization`` (CLAHE): histogram equalization per
tile of the image, with the histograms clipped and the tiles' mappings blended."""

import math

from lamina import ops
from lamina.layers.preprocessing import _color
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

_LEVELS = 256


class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """Equalizes each image's contrast locally, tile by tile, in training and at
    inference alike (it draws nothing), as Keras 3 does.

    Per image and channel, on a 0-255 scale:

    1. The image is padded at the bottom and right (mirrored, edge included) to a whole
       number of tiles and cut into ``tile_grid_size`` tiles.
    2. Each tile counts its values (truncated to whole levels) in 256 bins. With
       ``clip_limit > 0`` no bin keeps more than ``floor(clip_limit * tile_pixels /
       256)`` (as in Keras 3 and OpenCV); the excess is spread evenly over all bins.
    3. Each tile maps a level to ``255 * (cdf - cdf[0]) / (tile_pixels - cdf[0])``.
    4. A pixel takes the bilinear blend of the mappings of the four tiles whose centres
       surround it (the edge tiles' mappings extend beyond them).

    Args:
        value_range: the ``(low, high)`` range of the input values, default ``(0, 255)``;
            the images are mapped to 0-255 and back around the operation.
        clip_limit: the contrast limit, a number; 0 or less turns clipping off (plain
            adaptive equalization). Default 4.0.
        tile_grid_size: ``(rows, columns)`` of tiles; default ``(8, 8)``.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A tensor of the input's shape. Integer images keep their dtype (values
        truncated), as in Keras 3; float images come back in the compute dtype.

    Example:
        >>> layer = lamina.layers.ContrastLimitedAdaptiveHistogramEqualization(
        ...     tile_grid_size=(2, 2))
        >>> layer(np.random.uniform(0, 255, (2, 16, 16, 3))).shape
        (2, 16, 16, 3)
    """

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = "ContrastLimitedAdaptiveHistogramEqualization"
        _color.check_value_range(name, value_range)
        if not _color.is_number(clip_limit):
            raise ValueError(
                f"{name}: `clip_limit` must be a number, e.g. clip_limit=4.0 (0 turns "
                f"clipping off). Received: clip_limit={clip_limit!r}."
            )
        if (not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                           for n in tile_grid_size)):
            raise ValueError(
                f"{name}: `tile_grid_size` must be a pair of positive ints (rows, "
                f"columns), e.g. tile_grid_size=(8, 8). Received: "
                f"tile_grid_size={tile_grid_size!r}."
            )
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tuple(tile_grid_size)

    def call(self, inputs, training=True):
        # No randomness: the same transform in training and at inference, as in Keras 3.
        rank = self._check_images(inputs)
        dtype = ops.dtype(inputs)
        out_dtype = self.compute_dtype if "float" in dtype else dtype
        images = ops.cast(inputs, "float32")
        if rank == 3:
            images = ops.expand_dims(images, 0)
        if self.data_format == "channels_first":
            images = ops.moveaxis(images, 1, -1)
        low, high = self.value_range
        images = _color.rescale(images, (low, high), (0, 255))
        out = self._equalize(images)
        out = _color.rescale(out, (0, 255), (low, high))
        if self.data_format == "channels_first":
            out = ops.moveaxis(out, -1, 1)
        out = ops.cast(out, out_dtype)
        return out[0] if rank == 3 else out

    def _equalize(self, images):
        """CLAHE of (batch, height, width, channels) float images on the 0-255 scale."""
        batch, height, width, channels = images.shape
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        area = tile_h * tile_w
        # 1. Pad to whole tiles (mirrored, edge included); levels as ints.
        padded = ops.pad(images, [(0, 0), (0, tile_h * grid_h - height),
                                  (0, tile_w * grid_w - width), (0, 0)], mode="symmetric")
        levels = ops.cast(ops.floor(ops.clip(padded, 0, 255)), "int32")
        # 2. Histograms, (batch, grid_h, grid_w, channels, 256): each pixel's bin index
        #    in one flat table, counted with segment_sum (static length, compiles).
        tiles = ops.reshape(levels, (batch, grid_h, tile_h, grid_w, tile_w, channels))
        tiles = ops.transpose(tiles, (0, 1, 3, 5, 2, 4))  # (b, gh, gw, c, th, tw)
        cells = batch * grid_h * grid_w * channels
        owner = ops.reshape(ops.arange(cells, dtype="int32"),
                            (batch, grid_h, grid_w, channels, 1, 1))
        index = ops.reshape(ops.add(ops.multiply(owner, _LEVELS), tiles), (-1,))
        histograms = ops.segment_sum(ops.ones(index.shape, "float32"), index,
                                     num_segments=cells * _LEVELS)
        histograms = ops.reshape(histograms, (batch, grid_h, grid_w, channels, _LEVELS))
        if self.clip_limit > 0:
            # Whole counts, rounded down, as Keras 3 (and OpenCV) clip.
            limit = float(math.floor(self.clip_limit * area / _LEVELS))
            clipped = ops.minimum(histograms, limit)
            excess = ops.sum(ops.subtract(histograms, clipped), axis=-1, keepdims=True)
            histograms = ops.add(clipped, ops.divide(excess, float(_LEVELS)))
        # 3. Each tile's mapping from level to output value.
        cdf = ops.cumsum(histograms, axis=-1)
        cdf_min = cdf[..., :1]
        denominator = ops.subtract(float(area), cdf_min)
        denominator = ops.where(ops.equal(denominator, 0.0), 1.0, denominator)
        table = ops.clip(ops.divide(ops.multiply(ops.subtract(cdf, cdf_min), 255.0),
                                    denominator), 0.0, 255.0)
        # Repeat the edge tiles once all round: (batch, grid_h + 2, grid_w + 2, c, 256).
        table = ops.concatenate([table[:, :1], table, table[:, -1:]], axis=1)
        table = ops.concatenate([table[:, :, :1], table, table[:, :, -1:]], axis=2)
        # 4. Blend the four surrounding tiles' mappings at each pixel's level.
        rows, row_weight = _tile_coordinates(tile_h * grid_h, tile_h, grid_h)
        cols, col_weight = _tile_coordinates(tile_w * grid_w, tile_w, grid_w)
        flat = ops.reshape(table, (-1,))
        stride_x = channels * _LEVELS
        stride_y = stride_x * (grid_w + 2)
        base = ops.add(
            ops.reshape(ops.arange(batch, dtype="int32") * (stride_y * (grid_h + 2)),
                        (-1, 1, 1, 1)),
            ops.add(ops.reshape(ops.arange(channels, dtype="int32") * _LEVELS,
                                (1, 1, 1, -1)), levels))

        def lookup(row, col):
            offset = ops.add(ops.reshape(row * stride_y, (1, -1, 1, 1)),
                             ops.reshape(col * stride_x, (1, 1, -1, 1)))
            return ops.take(flat, ops.add(base, offset))

        wy = ops.reshape(row_weight, (1, -1, 1, 1))
        wx = ops.reshape(col_weight, (1, 1, -1, 1))
        top = ops.add(ops.multiply(lookup(rows[0], cols[0]), ops.subtract(1.0, wx)),
                      ops.multiply(lookup(rows[0], cols[1]), wx))
        bottom = ops.add(ops.multiply(lookup(rows[1], cols[0]), ops.subtract(1.0, wx)),
                         ops.multiply(lookup(rows[1], cols[1]), wx))
        out = ops.add(ops.multiply(top, ops.subtract(1.0, wy)), ops.multiply(bottom, wy))
        return out[:, :height, :width, :]

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "clip_limit": self.clip_limit,
                       "tile_grid_size": self.tile_grid_size})
        return config


def _tile_coordinates(size, tile, grid):
    """For each pixel along one axis: the two surrounding tile indices in the edge-padded
    table, and the weight of the second. Tile ``k``'s centre sits at ``k * tile +
    tile / 2``; index 0 and ``grid + 1`` are the repeated edges."""
    position = ops.add(ops.divide(ops.subtract(ops.arange(size, dtype="float32"),
                                               tile / 2.0), float(tile)), 1.0)
    lower = ops.floor(position)
    weight = ops.subtract(position, lower)
    first = ops.cast(ops.clip(lower, 0, grid + 1), "int32")
    second = ops.cast(ops.clip(ops.add(lower, 1.0), 0, grid + 1), "int32")
    return (first, second), weight
