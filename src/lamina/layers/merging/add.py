"""``Add`` and ``add``: the element-wise sum of a list of tensors."""

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge


class Add(BaseMerge):
    """Adds a list of tensors element-wise; the output has their (broadcast) shape.

    Args:
        **kwargs: the standard layer arguments (``name``, ``dtype``...).

    Example:
        >>> x, y = np.array([[1.0, 4.0]]), np.array([[3.0, 2.0]])
        >>> lamina.layers.Add()([x, y])  # [[4., 6.]]
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output


def add(inputs, **kwargs):
    """Functional form of :class:`Add`: ``Add(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: the standard layer arguments.

    Returns:
        The merged tensor.

    Example:
        >>> lamina.layers.add([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Add(**kwargs)(inputs)
