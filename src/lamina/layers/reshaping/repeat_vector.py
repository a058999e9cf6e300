"""``RepeatVector``: repeats a vector ``n`` times along a new time axis."""

from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class RepeatVector(Layer):
    """Turns ``(batch, features)`` into ``(batch, n, features)`` by repetition.

    Args:
        n: how many times to repeat each vector, a positive int.

    Example:
        >>> lamina.layers.RepeatVector(3)(np.ones((2, 4))).shape
        (2, 3, 4)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"RepeatVector: `n` must be an int, got {n!r} ({type(n).__name__}).")
        if n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive int. Received: n={n}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        # (batch, features) -> (batch, 1, features) -> (batch, n, features)
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
