"""``PReLU``: leaky ReLU whose negative slope is learned, per input position."""

from lamina import activations
from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class PReLU(Layer):
    """``f(x) = x`` for ``x >= 0`` and ``alpha * x`` otherwise, with ``alpha`` trained.

    ``alpha`` has the shape of one sample (``input_shape[1:]``); axes listed in
    ``shared_axes`` get size 1 so one slope is shared along them (e.g. ``[1, 2]`` for one
    slope per channel of ``(batch, height, width, channels)`` images).

    Args:
        alpha_initializer: initializer of ``alpha`` (``"Zeros"``: starts as a plain ReLU).
        alpha_regularizer: penalty on ``alpha``.
        alpha_constraint: projection applied to ``alpha`` after each update.
        shared_axes: an int or list of the (1-based, non-batch) axes sharing a slope.

    Example:
        >>> layer = lamina.layers.PReLU(shared_axes=[1])
        >>> layer(np.ones((2, 5, 3))).shape, layer.alpha.shape
        ((2, 5, 3), (1, 3))
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        rank = len(input_shape)
        shared = set(self.shared_axes or [])
        bad = sorted(a for a in shared if not 1 <= a < rank)
        if bad:
            raise ValueError(
                f'PReLU layer "{self.name}": shared_axes={self.shared_axes} must name non-batch '
                f"axes 1..{rank - 1} of the input, but input shape {tuple(input_shape)} has no "
                f"axis {bad[0]}."
            )
        param_shape = [1 if axis in shared else input_shape[axis] for axis in range(1, rank)]
        if None in param_shape:
            raise ValueError(
                f'PReLU layer "{self.name}" needs a known size for every axis that does not '
                f"share a slope, but got input shape {tuple(input_shape)}. Add the unknown "
                "axes to `shared_axes`."
            )
        self.alpha = self.add_weight(
            shape=param_shape, initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
            name="alpha",
        )
        axes = {axis: input_shape[axis] for axis in range(1, rank) if axis not in shared}
        self.input_spec = InputSpec(ndim=rank, axes=axes)
        self.built = True

    def call(self, inputs):
        # relu(x) - alpha * relu(-x): alpha scales the negative part only.
        negative = ops.multiply(self.alpha.value, activations.relu(ops.negative(inputs)))
        return ops.subtract(activations.relu(inputs), negative)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
