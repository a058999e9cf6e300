"""``Subtract`` and ``subtract``: the element-wise difference of exactly two tensors."""

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge
from lamina.layers.merging.base_merge import check_shape_list


class Subtract(BaseMerge):
    """Computes ``inputs[0] - inputs[1]`` element-wise; takes a list of exactly 2 tensors.

    Args:
        **kwargs: the standard layer arguments (``name``, ``dtype``...).

    Example:
        >>> x, y = np.array([[3.0, 4.0]]), np.array([[1.0, 1.0]])
        >>> lamina.layers.Subtract()([x, y])  # [[2., 3.]]
    """

    def _check_two(self, count):
        if count != 2:
            raise ValueError(
                f'Subtract layer "{self.name}" must be called on exactly 2 inputs '
                f"([x1, x2], giving x1 - x2), but it received {count}. To combine more "
                "tensors, subtract pairwise or use Add on negated inputs."
            )

    def build(self, input_shape):
        self._check_two(len(check_shape_list(self, input_shape)))
        super().build(input_shape)

    def _merge_function(self, inputs):
        self._check_two(len(inputs))
        return ops.subtract(inputs[0], inputs[1])

    def compute_output_shape(self, input_shape):
        self._check_two(len(check_shape_list(self, input_shape)))
        return super().compute_output_shape(input_shape)


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`: ``Subtract(**kwargs)(inputs)``.

    Args:
        inputs: a list of exactly 2 tensors with the same (or broadcastable) shapes.
        **kwargs: the standard layer arguments.

    Returns:
        ``inputs[0] - inputs[1]``.

    Example:
        >>> lamina.layers.subtract([np.ones((2, 3)), np.ones((2, 3))]).shape
        (2, 3)
    """
    return Subtract(**kwargs)(inputs)
