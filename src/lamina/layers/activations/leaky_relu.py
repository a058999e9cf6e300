"""``LeakyReLU``: ReLU that lets a small slope through for negative inputs."""

from lamina import activations
from lamina.layers.layer import Layer


class LeakyReLU(Layer):
    """``f(x) = x`` for ``x >= 0`` and ``negative_slope * x`` otherwise.

    Args:
        negative_slope: the slope for negative inputs, >= 0 (default 0.3). The Keras 2
            spelling ``alpha=`` is accepted too.

    Example:
        >>> lamina.layers.LeakyReLU(0.1)(np.array([-2.0, 3.0]))  # [-0.2, 3.]
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2 name of the same argument
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "LeakyReLU: `negative_slope` must be a number >= 0. Received: "
                f"negative_slope={negative_slope}."
            )
        self.negative_slope = negative_slope
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config
