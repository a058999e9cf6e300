"""``Dot`` and ``dot``: per-sample dot products between two tensors (Keras ``batch_dot``)."""

import math

from lamina import ops
from lamina.layers.merging.base_merge import BaseMerge
from lamina.layers.merging.base_merge import check_shape_list


def batch_dot(x, y, axes):
    """Dot product of ``x[b]`` and ``y[b]`` for each sample ``b``, summed over one axis each.

    Args:
        x: a tensor of rank >= 2, batch first.
        y: a tensor of rank >= 2 with the same batch size.
        axes: ``(ax, ay)``, the non-negative, non-batch axes of ``x`` and ``y`` to sum over.

    Returns:
        A tensor of shape ``x.shape`` without ``ax``, followed by ``y.shape`` without the
        batch axis and ``ay``; ``(batch, 1)`` when nothing else is left.

    Example:
        >>> batch_dot(np.ones((2, 3, 4)), np.ones((2, 4, 5)), (2, 1)).shape
        (2, 3, 5)
    """
    ax, ay = axes
    x = ops.moveaxis(x, ax, -1)  # (batch, *x_rest, k)
    y = ops.moveaxis(y, ay, 1)  # (batch, k, *y_rest)
    x_shape, y_shape = tuple(ops.shape(x)), tuple(ops.shape(y))
    batch, depth = x_shape[0], x_shape[-1]
    x_rest, y_rest = x_shape[1:-1], y_shape[2:]
    # One batched matmul: (batch, X, k) @ (batch, k, Y) -> (batch, X, Y).
    x = ops.reshape(x, (batch, math.prod(x_rest), depth))
    y = ops.reshape(y, (batch, depth, math.prod(y_rest)))
    result = ops.matmul(x, y)
    out_shape = (batch,) + x_rest + y_rest
    if len(out_shape) == 1:
        out_shape = (batch, 1)
    return ops.reshape(result, out_shape)


class Dot(BaseMerge):
    """The dot product of two tensors, sample by sample, along one axis of each.

    For inputs of shapes ``(batch, 5, 3)`` and ``(batch, 4, 3)`` and ``axes=(2, 2)``, the
    output has shape ``(batch, 5, 4)``: every ``x[b, i, :]`` dotted with every
    ``y[b, j, :]``. Two rank-2 inputs give ``(batch, 1)``.

    Args:
        axes: an int (the same axis of both inputs) or a pair ``(axis_x, axis_y)``; the
            two axes must have the same size, and the batch axis 0 cannot be used.
        normalize: whether to L2-normalize both inputs along those axes first, so the
            output is the cosine similarity.
        **kwargs: the standard layer arguments.

    Example:
        >>> x, y = np.ones((2, 5, 3)), np.ones((2, 4, 3))
        >>> lamina.layers.Dot(axes=(2, 2))([x, y]).shape
        (2, 5, 4)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Dot: `axes` must be an int or a list/tuple of 2 ints. Received: "
                    f"axes={axes!r}."
                )
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(
                    "Dot: `axes` must hold exactly 2 ints (one axis per input). Received: "
                    f"axes={axes!r}."
                )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _resolve_axes(self, rank_x, rank_y):
        if isinstance(self.axes, int):
            axes = (self.axes % rank_x, self.axes % rank_y) if self.axes < 0 \
                else (self.axes, self.axes)
        else:
            axes = (self.axes[0] % rank_x if self.axes[0] < 0 else self.axes[0],
                    self.axes[1] % rank_y if self.axes[1] < 0 else self.axes[1])
        if 0 in axes:
            raise ValueError(
                f'Dot layer "{self.name}" cannot sum over the batch axis 0 (axes={self.axes}). '
                "Use axes of 1 or more; add a batch axis with ops.expand_dims(x, 0) if your "
                "inputs are not batched."
            )
        return axes

    def _check(self, input_shape):
        shapes = check_shape_list(self, input_shape)
        if len(shapes) != 2:
            raise ValueError(
                f'Dot layer "{self.name}" must be called on a list of exactly 2 inputs, but it '
                f"received {len(shapes)} (shapes {shapes})."
            )
        shape_x, shape_y = shapes
        for shape in shapes:
            if len(shape) < 2:
                raise ValueError(
                    f'Dot layer "{self.name}" needs inputs of rank 2 or more (batch first); '
                    f"received input shapes {shape_x} and {shape_y}."
                )
        batch = {shape_x[0], shape_y[0]} - {None}
        if len(batch) > 1:
            raise ValueError(
                f'Dot layer "{self.name}" cannot combine different batch sizes: received input '
                f"shapes {shape_x} and {shape_y}."
            )
        ax, ay = self._resolve_axes(len(shape_x), len(shape_y))
        if ax >= len(shape_x) or ay >= len(shape_y):
            raise ValueError(
                f'Dot layer "{self.name}": axes={self.axes} is out of range for input shapes '
                f"{shape_x} and {shape_y}."
            )
        size_x, size_y = shape_x[ax], shape_y[ay]
        if size_x is not None and size_y is not None and size_x != size_y:
            raise ValueError(
                f'Dot layer "{self.name}": incompatible input shapes: axis {ax} of the first '
                f"input has size {size_x} but axis {ay} of the second has size {size_y}. Full "
                f"input shapes: {shape_x}, {shape_y}."
            )
        return shape_x, shape_y, (ax, ay)

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def call(self, inputs):
        # The inputs are not rank-aligned: each axis refers to its own input.
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        x, y = inputs
        axes = self._resolve_axes(ops.ndim(x), ops.ndim(y))
        if self.normalize:
            x = ops.normalize(x, axis=axes[0])
            y = ops.normalize(y, axis=axes[1])
        return batch_dot(x, y, axes)

    def compute_output_shape(self, input_shape):
        shape_x, shape_y, (ax, ay) = self._check(input_shape)
        batch = shape_x[0] if shape_x[0] is not None else shape_y[0]
        rest_x = [d for i, d in enumerate(shape_x) if i not in (0, ax)]
        rest_y = [d for i, d in enumerate(shape_y) if i not in (0, ay)]
        output = (batch,) + tuple(rest_x) + tuple(rest_y)
        return output if len(output) > 1 else (batch, 1)

    def compute_mask(self, inputs, mask=None):
        """Always None: a dot product mixes positions, so no mask survives."""
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of :class:`Dot`: ``Dot(axes, normalize, **kwargs)(inputs)``.

    Args:
        inputs: a list of 2 tensors.
        axes: an int or a pair of ints, the axes to sum over (``-1``: the last of each).
        normalize: whether to L2-normalize the inputs first (cosine similarity).
        **kwargs: the standard layer arguments.

    Returns:
        The per-sample dot product.

    Example:
        >>> lamina.layers.dot([np.ones((2, 3)), np.ones((2, 3))], axes=1).shape
        (2, 1)
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
