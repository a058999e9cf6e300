"""``Average`` and ``average``: the element-wise mean of a list of tensors."""

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge


class Average(BaseMerge):
    """Averages a list of tensors element-wise: their sum divided by their number.

    Args:
        **kwargs: the standard layer arguments (``name``, ``dtype``...).

    Example:
        >>> x, y = np.array([[1.0, 4.0]]), np.array([[3.0, 2.0]])
        >>> lamina.layers.Average()([x, y])  # [[2., 3.]]
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return ops.divide(output, len(inputs))


def average(inputs, **kwargs):
    """Functional form of :class:`Average`: ``Average(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: the standard layer arguments.

    Returns:
        The merged tensor.

    Example:
        >>> lamina.layers.average([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Average(**kwargs)(inputs)
