"""``Identity``: a layer that returns its input unchanged."""

from lamina import tree
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer


class Identity(Layer):
    """Returns its input as it is; a placeholder where a layer is expected.

    Any structure (a tensor, a list or dict of tensors) passes through untouched, so the
    layer is handy for switching a block off without changing the model's wiring.

    Example:
        >>> lamina.layers.Identity()(np.ones((2, 3))).shape
        (2, 3)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs, **kwargs):
        # Keep each input's own dtype (the default spec would use the layer's dtype).
        return tree.map_structure(lambda x: KerasTensor(x.shape, x.dtype), inputs)
