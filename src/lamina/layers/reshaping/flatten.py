"""``Flatten``: collapses every axis but the batch axis into one."""

import math

from lamina import backend
from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class Flatten(Layer):
    """Reshapes ``(batch, d1, d2, ...)`` to ``(batch, d1 * d2 * ...)``.

    A ``(batch,)`` input becomes ``(batch, 1)``. With ``channels_first`` data the channel
    axis is first moved last, so the flattened order is the same as for the equivalent
    ``channels_last`` data (a Dense layer that follows sees features in the same order).

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, ..., channels)``) or
            ``"channels_first"`` (``(batch, channels, ...)``); default
            ``lamina.backend.image_data_format()``.

    Example:
        >>> lamina.layers.Flatten()(np.ones((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        rank = len(shape)
        if self.data_format == "channels_first" and rank > 2:
            # (batch, channels, *spatial) -> (batch, *spatial, channels)
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, rank)) + (1,))
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape[1:])
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
