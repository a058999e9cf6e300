"""``UnitNormalization``: scales each sample to unit L2 norm over the chosen axes."""

from lamina import backend
from lamina import ops
from lamina.layers.layer import Layer

# Keras's floor on the norm: an all-zero sample stays zero instead of becoming NaN.
_NORM_EPSILON = 1e-12


class UnitNormalization(Layer):
    """Divides each sample by its L2 norm over ``axis``: ``x / max(||x||, 1e-12)``.

    The layer has no weights. Afterwards the squares along ``axis`` sum to 1 (an all-zero
    sample stays zero).

    Args:
        axis: an int or a list of ints, the axes the norm is taken over (``-1``: the
            features).

    Returns:
        A tensor of the input's shape (floating point).

    Example:
        >>> y = lamina.layers.UnitNormalization()(np.array([[3.0, 4.0]]))
        >>> y  # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise TypeError(
                    "UnitNormalization: `axis` must be an int or a list of ints, got "
                    f"axis={axis!r}."
                )
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                f"UnitNormalization: `axis` must be an int or a list of ints, got axis={axis!r}."
            )
        self.supports_masking = True

    def _axes(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(
                    f'UnitNormalization layer "{self.name}": axis {a} is out of range for '
                    f"input shape {tuple(input_shape)}. Received: axis={self.axis}."
                )
        return tuple(sorted({a % rank for a in axes}))

    def call(self, inputs):
        if not backend.is_float_dtype(inputs.dtype):
            inputs = ops.cast(inputs, self.compute_dtype)
        axes = self._axes(inputs.shape)
        square_sum = ops.sum(ops.square(inputs), axis=axes, keepdims=True)
        # x * min(1 / ||x||, 1 / eps) is x / max(||x||, eps) with one reduction, as Keras.
        inv_norm = ops.minimum(ops.rsqrt(square_sum), 1.0 / _NORM_EPSILON)
        return ops.multiply(inputs, inv_norm)

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis})
        return config
