"""``Activation``: applies an activation function to its input."""

from lamina import activations
from lamina.layers.layer import Layer


class Activation(Layer):
    """Applies ``activation`` element-wise.

    Args:
        activation: an activation name (``"relu"``, ``"softmax"``...) or function.

    Example:
        >>> lamina.layers.Activation("relu")(np.array([-1.0, 2.0]))  # [0., 2.]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
