"""``Minimum`` and ``minimum``: the element-wise minimum of a list of tensors."""

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge


class Minimum(BaseMerge):
    """Takes the element-wise minimum of a list of tensors.

    Args:
        **kwargs: the standard layer arguments (``name``, ``dtype``...).

    Example:
        >>> x, y = np.array([[1.0, 4.0]]), np.array([[3.0, 2.0]])
        >>> lamina.layers.Minimum()([x, y])  # [[1., 2.]]
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.minimum(output, x)
        return output


def minimum(inputs, **kwargs):
    """Functional form of :class:`Minimum`: ``Minimum(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: the standard layer arguments.

    Returns:
        The merged tensor.

    Example:
        >>> lamina.layers.minimum([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Minimum(**kwargs)(inputs)
