"""``Multiply`` and ``multiply``: the element-wise product of a list of tensors."""

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge


class Multiply(BaseMerge):
    """Multiplies a list of tensors element-wise; the output has their (broadcast) shape.

    Args:
        **kwargs: the standard layer arguments (``name``, ``dtype``...).

    Example:
        >>> x, y = np.array([[1.0, 4.0]]), np.array([[3.0, 2.0]])
        >>> lamina.layers.Multiply()([x, y])  # [[3., 8.]]
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.multiply(output, x)
        return output


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`: ``Multiply(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: the standard layer arguments.

    Returns:
        The merged tensor.

    Example:
        >>> lamina.layers.multiply([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Multiply(**kwargs)(inputs)
