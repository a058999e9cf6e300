"""``RMSNormalization``: divides each sample by its root mean square over the chosen axes,
then multiplies by a learned ``scale`` (no centring, no offset)."""

from lamina import ops
from lamina.layers.layer import Layer


class RMSNormalization(Layer):
    """Root-mean-square normalization: ``x / sqrt(mean(x**2, axis) + epsilon) * scale``.

    Unlike ``LayerNormalization`` the mean is not subtracted and there is no bias. The one
    weight, ``scale``, starts at ones and has one entry per position of the normalized axes.

    Args:
        axis: an int or a list of ints, the axes normalized over (default ``-1``). After
            ``build`` it is stored as a sorted list, as Keras stores it.
        epsilon: a small float added to the mean square (default ``1e-6``).

    Returns:
        A tensor of the input's shape.

    Example:
        >>> layer = lamina.layers.RMSNormalization()
        >>> layer(np.array([[3.0, 4.0]]))  # [[3, 4] / 3.5355] = [[0.8485, 1.1314]]
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            is_int = all(isinstance(a, int) and not isinstance(a, bool) for a in axis)
        else:
            is_int = isinstance(axis, int) and not isinstance(axis, bool)
        if not is_int:
            raise TypeError(
                "RMSNormalization: `axis` must be an int or a list of ints. Received: "
                f"axis={axis!r}."
            )
        self.axis = list(axis) if isinstance(axis, tuple) else axis
        self.epsilon = epsilon

    def _check_axes(self, input_shape):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        rank = len(input_shape)
        for axis in axes:
            if not -rank <= axis < rank:
                raise ValueError(
                    f'RMSNormalization layer "{self.name}": axis {axis} is out of bounds for '
                    f"an input of shape {tuple(input_shape)} (rank {rank}). Received: "
                    f"axis={self.axis}."
                )
        return axes

    def build(self, input_shape):
        axes = self._check_axes(input_shape)
        # Keras keeps the axes as given (sorted), not made positive, and always as a list.
        self.axis = sorted(axes)
        shape = tuple(input_shape[a] for a in self.axis)
        if None in shape:
            raise ValueError(
                f'RMSNormalization layer "{self.name}": the normalized axes {self.axis} '
                f"must have known sizes; the input shape is {tuple(input_shape)}."
            )
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, x):
        return ops.rms_normalization(x, scale=self.scale, axis=self.axis,
                                     epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        self._check_axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
