"""``BaseMerge`` (Keras's ``Merge``): the shared base of the element-wise merge layers.

It checks that the layer got a list of tensors with one batch size and broadcastable
shapes, and lines up inputs of different ranks by inserting axes after the batch axis.
Subclasses only implement ``_merge_function(inputs)``.
"""

from lamina import ops
from lamina.layers.layer import Layer

_NOT_A_LIST = (
    '{cls} layer "{name}" must be called on a list of tensors, e.g. {cls}()([x1, x2]), '
    "but it received a single input of shape {shape}."
)


def is_shape_list(input_shape):
    """True when ``input_shape`` is a list/tuple of shapes (one per input tensor)."""
    return isinstance(input_shape, (list, tuple)) and len(input_shape) > 0 and all(
        s is None or isinstance(s, (list, tuple)) for s in input_shape
    )


def check_shape_list(layer, input_shape):
    """Raise a clear error unless ``input_shape`` describes a non-empty list of tensors."""
    if not is_shape_list(input_shape):
        if isinstance(input_shape, (list, tuple)) and len(input_shape) == 0:
            raise ValueError(
                f'{type(layer).__name__} layer "{layer.name}" must be called on a list of at '
                "least 1 tensor, but it received an empty list."
            )
        raise ValueError(_NOT_A_LIST.format(cls=type(layer).__name__, name=layer.name,
                                            shape=input_shape))
    return [None if s is None else tuple(s) for s in input_shape]


class BaseMerge(Layer):
    """The base of the merge layers that combine same-shaped tensors element-wise.

    Shapes are compared without the batch axis and broadcast like NumPy from the right
    (each axis equal, or 1 in one of the inputs). An input of lower rank gets size-1 axes
    inserted after its batch axis, so ``(batch, 4)`` merges with ``(batch, 3, 4)``.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self._reshape_required = False

    def _merge_function(self, inputs):
        raise NotImplementedError(
            f"abstract: merge layer {type(self).__name__} must implement _merge_function()"
        )

    def _broadcast_shapes(self, shape1, shape2, all_shapes):
        """The element-wise result shape of two non-batch shapes (None entries: unknown)."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        lead = len(shape1) - len(shape2)
        result = list(shape1[:lead])
        for i, j in zip(shape1[lead:], shape2):
            if i is None or j is None:
                result.append(None)
            elif i == 1 or j == 1 or i == j:
                result.append(j if i == 1 else i)
            else:
                raise ValueError(
                    f'{type(self).__name__} layer "{self.name}": inputs have incompatible '
                    f"shapes. Received shapes {tuple(shape1)} and {tuple(shape2)} (without "
                    f"the batch axis; full input shapes: {all_shapes}). Each axis must have "
                    "the same size in every input, or size 1 to broadcast."
                )
        return tuple(result)

    def _output_shape(self, shapes):
        batch_sizes = {s[0] for s in shapes if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}" cannot merge tensors with different '
                f"batch sizes. Received input shapes {shapes}."
            )
        output = None if shapes[0] is None else shapes[0][1:]
        for shape in shapes[1:]:
            output = self._broadcast_shapes(output, None if shape is None else shape[1:],
                                            shapes)
        if output is None:
            return None
        batch = batch_sizes.pop() if batch_sizes else None
        return (batch,) + tuple(output)

    def build(self, input_shape):
        shapes = check_shape_list(self, input_shape)
        self._output_shape(shapes)
        self._reshape_required = None in shapes or len({len(s) for s in shapes}) != 1
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(_NOT_A_LIST.format(cls=type(self).__name__, name=self.name,
                                                shape=tuple(inputs.shape)))
        inputs = list(inputs)
        ranks = [ops.ndim(x) for x in inputs]
        if len(set(ranks)) > 1:
            # Line ranks up by inserting size-1 axes right after the batch axis.
            top = max(ranks)
            inputs = [x if r == top else ops.expand_dims(x, tuple(range(1, 1 + top - r)))
                      for x, r in zip(inputs, ranks)]
        return self._merge_function(inputs)

    def compute_output_shape(self, input_shape):
        return self._output_shape(check_shape_list(self, input_shape))

    def compute_mask(self, inputs, mask=None):
        """The OR of the inputs' masks (None when any input has no mask)."""
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": `mask` must be a list with one '
                f"entry per input ({len(inputs)}), got {mask!r}."
            )
        if any(m is None for m in mask):
            return None
        output = mask[0]
        for m in mask[1:]:
            output = ops.logical_or(output, m)
        return output


# Keras's name for this base class.
Merge = BaseMerge
