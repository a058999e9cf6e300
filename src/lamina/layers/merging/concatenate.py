"""``Concatenate`` and ``concatenate``: joins a list of tensors along one axis."""

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge
from lamina.layers.merging.base_merge import check_shape_list


class Concatenate(BaseMerge):
    """Concatenates a list of tensors along ``axis``.

    All inputs must have the same rank and the same size on every other axis.

    Args:
        axis: the axis to join along (``-1``: the last one).
        **kwargs: the standard layer arguments.

    Example:
        >>> lamina.layers.Concatenate()([np.ones((2, 3)), np.zeros((2, 4))]).shape
        (2, 7)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check(self, input_shape):
        shapes = check_shape_list(self, input_shape)
        known = [s for s in shapes if s is not None]
        if not known:
            return shapes
        ranks = {len(s) for s in known}
        message = (
            f'Concatenate layer "{self.name}" requires inputs with matching shapes except '
            f"for the concatenation axis (axis={self.axis}). Received input shapes {shapes}"
        )
        if len(ranks) != 1:
            raise ValueError(f"{message}: their ranks differ ({sorted(ranks)}).")
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise ValueError(f"{message}: axis {self.axis} is out of range for rank {rank}.")
        concat_axis = self.axis % rank
        for axis in range(rank):
            sizes = {s[axis] for s in known} - {None}
            if axis != concat_axis and len(sizes) > 1:
                raise ValueError(
                    f"{message}: axis {axis} has sizes {sorted(sizes)}. Reshape or crop the "
                    "inputs so that only the concatenation axis differs."
                )
        return shapes

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def call(self, inputs):
        # No rank alignment here: the ranks must already match.
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = self._check(input_shape)
        output = list(shapes[0])
        for shape in shapes[1:]:
            if output[self.axis] is None or shape[self.axis] is None:
                output[self.axis] = None
                break
            output[self.axis] += shape[self.axis]
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        """Each input's mask (all True where it has none), joined like the inputs, then
        reduced over the last axis; None when no input has a mask."""
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ops.ones_like(x, dtype="bool")
            elif ops.ndim(m) < ops.ndim(x):
                m = ops.broadcast_to(ops.expand_dims(m, -1), ops.shape(x))
            masks.append(m)
        return ops.any(ops.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`: ``Concatenate(axis, **kwargs)(inputs)``.

    Args:
        inputs: a list of tensors that differ only along ``axis``.
        axis: the axis to join along.
        **kwargs: the standard layer arguments.

    Returns:
        The concatenated tensor.

    Example:
        >>> lamina.layers.concatenate([np.ones((2, 3)), np.ones((2, 1))]).shape
        (2, 4)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
