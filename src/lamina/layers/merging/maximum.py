"""``Maximum`` and ``maximum``: the element-wise maximum of a list of tensors."""

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge


class Maximum(BaseMerge):
    """Takes the element-wise maximum of a list of tensors.

    Args:
        **kwargs: the standard layer arguments (``name``, ``dtype``...).

    Example:
        >>> x, y = np.array([[1.0, 4.0]]), np.array([[3.0, 2.0]])
        >>> lamina.layers.Maximum()([x, y])  # [[3., 4.]]
    """

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.maximum(output, x)
        return output


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`: ``Maximum(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors with the same (or broadcastable) shapes.
        **kwargs: the standard layer arguments.

    Returns:
        The merged tensor.

    Example:
        >>> lamina.layers.maximum([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Maximum(**kwargs)(inputs)
