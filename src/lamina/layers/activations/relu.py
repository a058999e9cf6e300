"""``ReLU``: the rectified linear unit as a layer, with optional leak, cap and threshold."""

from lamina import activations
from lamina.layers.layer import Layer


class ReLU(Layer):
    """Rectified linear unit with Keras's options.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x < max_value``,
    and ``negative_slope * (x - threshold)`` otherwise.

    Args:
        max_value: the largest output (None: no cap); must be >= 0.
        negative_slope: the slope below the threshold; must be >= 0.
        threshold: the input value below which the slope applies; must be >= 0.

    Example:
        >>> lamina.layers.ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0]))  # [0., 3., 6.]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(
                f"ReLU: `max_value` cannot be negative. Received: max_value={max_value}."
            )
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(
                "ReLU: `negative_slope` must be a number >= 0. Received: "
                f"negative_slope={negative_slope}."
            )
        if threshold is None or threshold < 0.0:
            raise ValueError(
                f"ReLU: `threshold` must be a number >= 0. Received: threshold={threshold}."
            )
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
