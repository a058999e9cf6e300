"""``ELU``: the exponential linear unit as a layer."""

from lamina import activations
from lamina.layers.layer import Layer


class ELU(Layer):
    """``f(x) = x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: the scale of the negative part (default 1.0).

    Example:
        >>> lamina.layers.ELU()(np.array([-1.0, 2.0]))  # [-0.632, 2.]
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
