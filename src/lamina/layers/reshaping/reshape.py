"""``Reshape``: gives each sample a new shape with the same number of values."""

import math

from lamina import ops
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to ``target_shape``; the batch axis is kept.

    Args:
        target_shape: the new shape of one sample (without the batch axis), a tuple of
            ints. One entry may be ``-1``: its size is inferred from the others.

    Example:
        >>> lamina.layers.Reshape((3, 4))(np.ones((2, 12))).shape
        (2, 3, 4)
        >>> lamina.layers.Reshape((-1, 2))(np.ones((2, 12))).shape
        (2, 6, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        try:
            target_shape = tuple(target_shape)
        except TypeError:
            raise TypeError(
                f"Reshape: `target_shape` must be a tuple of ints such as (3, 4), got "
                f"{target_shape!r}."
            ) from None
        for dim in target_shape:
            if dim is not None and (not isinstance(dim, int) or isinstance(dim, bool)
                                    or dim < -1):
                raise ValueError(
                    "Reshape: each entry of `target_shape` must be a non-negative int, or "
                    f"-1 for one inferred dimension. Received: target_shape={target_shape}."
                )
        if sum(d is None or d == -1 for d in target_shape) > 1:
            raise ValueError(
                "Reshape: there can be at most one unknown dimension (-1) in "
                f"`target_shape`. Received: target_shape={target_shape}."
            )
        self.target_shape = target_shape
        self.built = True

    def _resolve(self, sample_shape):
        """``target_shape`` with its -1 resolved for one sample of ``sample_shape``
        (``None`` where it cannot be known yet); raises when the sizes cannot match."""
        target = tuple(-1 if d is None else d for d in self.target_shape)
        if any(d is None for d in sample_shape):
            return tuple(None if d == -1 else d for d in target)
        size = math.prod(sample_shape)
        known = math.prod(d for d in target if d != -1)
        if -1 not in target:
            if size != known:
                raise ValueError(self._mismatch(sample_shape, size, f"{known} values"))
            return target
        if known == 0 or size % known:
            raise ValueError(self._mismatch(
                sample_shape, size, f"a multiple of {known} values for the -1 to fill"))
        return tuple(size // known if d == -1 else d for d in target)

    def _mismatch(self, sample_shape, size, needed):
        return (
            f'Reshape layer "{self.name}": the total size of the tensor must be unchanged, '
            f"but an input sample of shape {tuple(sample_shape)} has {size} values and "
            f"target_shape={self.target_shape} needs {needed}. Choose a target_shape whose "
            f"sizes multiply to {size}, or put -1 in one place to infer it."
        )

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        return ops.reshape(inputs, (shape[0],) + self._resolve(shape[1:]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape[1:]))

    def compute_output_spec(self, inputs, **kwargs):
        return KerasTensor(self.compute_output_shape(inputs.shape), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config
