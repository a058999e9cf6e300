"""``MixUp`` and ``CutMix``' shared input handling, and ``MixUp``: blends each image (and
its label) with another image of the batch while training."""

from lamina import ops
from lamina import random
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

_DICT_KEYS_ERROR = (
    "{layer}: a dict input must hold 'images' and may hold 'labels' (one row per image, "
    "e.g. one-hot); other keys ({keys}) are not supported. Pass "
    "{{'images': images, 'labels': labels}} or the images tensor itself."
)

_LABELS_RANK_ERROR = (
    "{layer}: 'labels' must hold one row per image, such as one-hot vectors of shape "
    "(batch, classes), so that they can be mixed. Received labels of shape {shape}; "
    "one-hot encode class ids first, e.g. with ops.one_hot(labels, num_classes)."
)


class BaseBatchMixing(BaseImagePreprocessingLayer):
    """The base of the layers that mix images within a batch (``MixUp``, ``CutMix``).

    ``call`` accepts a batch of images or a dict ``{"images": ..., "labels": ...}``
    (labels optional) and returns the same structure; a subclass implements
    ``_mix(images, labels)`` on a rank-4 float batch and returns both, mixed.

    Args:
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        A layer; its outputs are described by each subclass.

    Example:
        >>> lamina.layers.MixUp(seed=1)({"images": np.ones((2, 4, 4, 3)),
        ...                              "labels": np.eye(2)})["labels"].shape
        (2, 2)
    """

    def call(self, inputs, training=True):
        # Keras's augmentation layers default to training=True when called directly;
        # fit passes True and predict/evaluate pass False.
        if isinstance(inputs, dict):
            extra = sorted(set(inputs) - {"images", "labels"})
            if "images" not in inputs or extra:
                raise ValueError(_DICT_KEYS_ERROR.format(layer=type(self).__name__,
                                                         keys=extra or "no 'images'"))
            images, labels = inputs["images"], inputs.get("labels")
        else:
            images, labels = inputs, None
        rank = self._check_images(images)
        images = self._to_compute_dtype(images)
        if labels is not None and len(labels.shape) < 2:
            raise ValueError(_LABELS_RANK_ERROR.format(layer=type(self).__name__,
                                                       shape=tuple(labels.shape)))
        if training and rank == 4:
            if labels is not None:
                labels = ops.cast(labels, self.compute_dtype)
            images, labels = self._mix(images, labels)
        if not isinstance(inputs, dict):
            return images
        outputs = dict(inputs)
        outputs["images"] = images
        if labels is not None:
            outputs["labels"] = labels
        return outputs

    def _mix(self, images, labels):
        raise NotImplementedError(
            f"abstract: {type(self).__name__} must implement _mix(images, labels)")

    def _mix_labels(self, labels, permutation, weight):
        """``weight * labels + (1 - weight) * labels[permutation]``, per row."""
        if labels is None:
            return None
        weight = ops.reshape(weight, (-1,) + (1,) * (len(labels.shape) - 1))
        partner = ops.take(labels, permutation, axis=0)
        return ops.add(ops.multiply(weight, labels),
                       ops.multiply(ops.subtract(1.0, weight), partner))

    def compute_output_shape(self, input_shape):
        return input_shape


class MixUp(BaseBatchMixing):
    """Blends each image with another image of the same batch while training, and its
    label likewise; at inference the inputs pass through (images cast to the compute
    dtype).

    Each image ``i`` draws a weight ``w`` from Beta(``alpha``, ``alpha``) and a partner
    ``j`` (a random permutation of the batch) and becomes ``w * x_i + (1 - w) * x_j``.
    Given a dict ``{"images": ..., "labels": ...}`` the labels (one-hot or other per-image
    rows) are mixed with the same weights and partners, and a dict is returned. A single
    image (rank 3) has no partner and is returned as it is.

    Args:
        alpha: the Beta distribution's parameter, default 0.2 (small values keep most
            images close to themselves).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.config.image_data_format()``.
        seed: an int for repeatable draws.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        The images, or the dict with mixed ``"images"`` and ``"labels"``, in the compute
        dtype.

    Example:
        >>> layer = lamina.layers.MixUp(alpha=0.4, seed=1)
        >>> out = layer({"images": np.random.rand(4, 8, 8, 3),
        ...              "labels": np.eye(4)}, training=True)
        >>> out["labels"].shape
        (4, 4)
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or alpha <= 0:
            raise ValueError(
                "MixUp: `alpha` must be a positive number, the Beta distribution's "
                f"parameter, e.g. alpha=0.2. Received: alpha={alpha!r}."
            )
        self.alpha = alpha
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _mix(self, images, labels):
        batch = images.shape[0]
        permutation = random.shuffle(ops.arange(batch, dtype="int32"), seed=self.generator)
        weight = random.beta((batch,), self.alpha, self.alpha, dtype=self.compute_dtype,
                             seed=self.generator)
        image_weight = ops.reshape(weight, (batch, 1, 1, 1))
        partner = ops.take(images, permutation, axis=0)
        mixed = ops.add(ops.multiply(image_weight, images),
                        ops.multiply(ops.subtract(1.0, image_weight), partner))
        return mixed, self._mix_labels(labels, permutation, weight)

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
