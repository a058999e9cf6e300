"""``MaxNumBoundingBoxes``: pads or truncates the bounding boxes of a detection batch to a
fixed number, so that batches of different images stack."""

from lamina import ops
from lamina.layers.preprocessing.base_image_preprocessing_layer import BaseImagePreprocessingLayer

_BOXES_ERROR = (
    "MaxNumBoundingBoxes: `bounding_boxes` must be a dict with 'boxes' of shape "
    "(batch, num_boxes, 4) (or (num_boxes, 4) for one image) and 'labels' of shape "
    "(batch, num_boxes) (or (num_boxes,)). Received: {received}."
)


class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Gives every image exactly ``max_number`` bounding boxes: extra boxes (and their
    labels) are dropped from the end, missing ones are added as ``fill_value``.

    The input is Keras's detection dict ``{"images": ..., "bounding_boxes": {"boxes":
    ..., "labels": ...}}`` (other entries pass through); only ``"bounding_boxes"``
    changes, in training and at inference alike. A plain image tensor passes through
    unchanged.

    Args:
        max_number: the number of boxes per image in the output.
        fill_value: the value of the added boxes' coordinates and labels; default -1.
        bounding_box_format: accepted for Keras compatibility (Keras 3 asks for it with
            dict inputs, e.g. ``"xyxy"``) and not needed: padding is the same in every
            format. Not saved in the config, as in Keras 3.
        **kwargs: base layer arguments such as ``name`` and ``dtype``.

    Returns:
        The input dict with ``"boxes"`` of shape ``(batch, max_number, 4)`` and
        ``"labels"`` of shape ``(batch, max_number)``, or the image tensor as given.

    Example:
        >>> layer = lamina.layers.MaxNumBoundingBoxes(max_number=3)
        >>> out = layer({"images": np.zeros((1, 8, 8, 3)),
        ...              "bounding_boxes": {"boxes": np.array([[[0, 0, 4, 4]]]),
        ...                                 "labels": np.array([[2]])}})
        >>> ops.convert_to_numpy(out["bounding_boxes"]["labels"])
        array([[ 2, -1, -1]])
    """

    def __init__(self, max_number, fill_value=-1, bounding_box_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        if isinstance(max_number, bool) or not isinstance(max_number, int) or \
                max_number < 1:
            raise ValueError(
                "MaxNumBoundingBoxes: `max_number` must be a positive int, the number of "
                f"boxes per image, e.g. max_number=10. Received: max_number={max_number!r}."
            )
        self.max_number = max_number
        self.fill_value = int(fill_value)

    def call(self, inputs, training=True):
        if not isinstance(inputs, dict):
            return inputs
        if "bounding_boxes" not in inputs:
            return dict(inputs)
        outputs = dict(inputs)
        outputs["bounding_boxes"] = self._fit_boxes(inputs["bounding_boxes"])
        return outputs

    def _fit_boxes(self, bounding_boxes):
        """``bounding_boxes`` with ``max_number`` boxes and labels per image."""
        if not isinstance(bounding_boxes, dict) or not {"boxes", "labels"} <= \
                set(bounding_boxes):
            raise ValueError(_BOXES_ERROR.format(received=repr(bounding_boxes)))
        extra = set(bounding_boxes) - {"boxes", "labels"}
        if extra:
            raise ValueError(
                f"MaxNumBoundingBoxes: `bounding_boxes` may hold only 'boxes' and "
                f"'labels'. Received the extra keys {sorted(extra)}; drop them first."
            )
        boxes = ops.convert_to_tensor(bounding_boxes["boxes"])
        labels = ops.convert_to_tensor(bounding_boxes["labels"])
        rank = len(boxes.shape)
        if rank not in (2, 3) or boxes.shape[-1] != 4 or len(labels.shape) != rank - 1:
            raise ValueError(_BOXES_ERROR.format(
                received=f"boxes of shape {tuple(boxes.shape)} and labels of shape "
                         f"{tuple(labels.shape)}"))
        outputs = dict(bounding_boxes)
        outputs["boxes"] = self._fit(boxes, rank - 2)
        outputs["labels"] = self._fit(labels, rank - 2)
        return outputs

    def _fit(self, values, axis):
        """``values`` cut or padded with ``fill_value`` to ``max_number`` along ``axis``."""
        count = values.shape[axis]
        if count >= self.max_number:
            index = (slice(None),) * axis + (slice(0, self.max_number),)
            return values[index]
        widths = [(0, 0)] * len(values.shape)
        widths[axis] = (0, self.max_number - count)
        return ops.pad(values, widths, constant_values=self.fill_value)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, dict) or "bounding_boxes" not in input_shape:
            return input_shape
        output_shape = dict(input_shape)
        shapes = dict(input_shape["bounding_boxes"])
        for key in ("boxes", "labels"):
            shape = list(shapes[key])
            shape[1 if len(shapes["boxes"]) == 3 else 0] = self.max_number
            shapes[key] = tuple(shape)
        output_shape["bounding_boxes"] = shapes
        return output_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_number": self.max_number, "fill_value": self.fill_value})
        return config
