"""``Permute``: reorders the non-batch axes of its input."""

from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer


class Permute(Layer):
    """Transposes each sample's axes by ``dims``; the batch axis stays first.

    Args:
        dims: the new order of the non-batch axes, counted from 1 (the batch axis is 0
            and is never moved). ``(2, 1)`` swaps the two axes of a rank-3 input.

    Example:
        >>> lamina.layers.Permute((2, 1))(np.ones((5, 3, 4))).shape
        (5, 4, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                "Permute: `dims` must be a permutation of 1..n (axis 0 is the batch axis "
                f"and is not listed), e.g. (2, 1). Received: dims={dims}."
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)
        self.built = True

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config
