"""``CutMix``: pastes a random rectangle from another image of the batch into each image
(and mixes the labels by area) while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.mix_up import BaseBatchMixing


class CutMix(BaseBatchMixing):
    """Replaces a random rectangle of each image with the same rectangle of another image
    of the batch while training; at inference the inputs pass through (images cast to the
    compute dtype).

    Per call, a Beta parameter ``a`` is drawn from the ``factor`` range; each image draws
    ``m`` from Beta(``a``, ``a``) and a partner (a random permutation of the batch). The
    rectangle's sides are ``sqrt(1 - m)`` of the image's and its position is uniform
    inside the image. Given a dict ``{"images": ..., "labels": ...}`` the labels are mixed
    as ``w * own + (1 - w) * partner's``, ``w`` being 1 minus the rectangle's (continuous)
    area fraction, as in Keras 3. A single image (rank 3) is returned as it is.

    Args:
        factor: a number ``f`` in ``[0, 1]`` (``a`` drawn from ``[0, f]``) or a pair
            ``(low, high)``. Default 1.0.
        seed: an int for repeatable draws.
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        The images, or the dict with mixed ``"images"`` and ``"labels"``, in the compute
        dtype.

    Example:
        >>> layer = lamina.layers.CutMix(seed=1)
        >>> out = layer({"images": np.random.rand(4, 8, 8, 3),
        ...              "labels": np.eye(4)}, training=True)
        >>> out["images"].shape
        (4, 8, 8, 3)
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.factor = self._factor_range(factor, 0, 1)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _mix(self, images, labels):
        dtype = self.compute_dtype
        batch = images.shape[0]
        height, width = self._image_size(images.shape)
        # Keras adds 1e-6 so that a factor of 0 still gives a valid Beta parameter.
        alpha = ops.add(random.uniform((), minval=self.factor[0], maxval=self.factor[1],
                                       dtype=dtype, seed=self.generator), 1e-6)
        kept = random.beta((batch,), alpha, alpha, dtype=dtype, seed=self.generator)
        ratio = ops.reshape(ops.sqrt(ops.subtract(1.0, kept)), (batch, 1, 1, 1))
        in_box = None
        lengths = []
        for axis, size in zip(self._spatial_axes(4), (height, width)):
            length = ops.multiply(ratio, float(size))
            start = ops.multiply(random.uniform((batch, 1, 1, 1), dtype=dtype,
                                                seed=self.generator),
                                 ops.subtract(float(size), length))
            position = ops.reshape(ops.arange(size, dtype=dtype),
                                   [size if a == axis else 1 for a in range(4)])
            inside = ops.logical_and(position >= start, position < ops.add(start, length))
            in_box = inside if in_box is None else ops.logical_and(in_box, inside)
            lengths.append(length)
        permutation = random.shuffle(ops.arange(batch, dtype="int32"), seed=self.generator)
        mixed = ops.where(in_box, ops.take(images, permutation, axis=0), images)
        weight = ops.subtract(1.0, ops.divide(ops.multiply(lengths[0], lengths[1]),
                                              float(height * width)))
        return mixed, self._mix_labels(labels, permutation, ops.reshape(weight, (batch,)))

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config
