"""``Softmax``: the softmax activation as a layer, with an optional mask."""

from lamina import backend
from lamina import ops
from lamina.layers.layer import Layer


def _large_negative(dtype):
    # Big enough to zero a position after exp(), small enough not to overflow the dtype.
    return -3e4 if backend.standardize_dtype(dtype) == "float16" else -1e9


class Softmax(Layer):
    """``exp(x) / sum(exp(x))`` along ``axis``; masked positions get probability 0.

    Args:
        axis: an int or a list of ints, the axis (or axes) normalized over.

    Call arguments:
        inputs: the logits.
        mask: optional, broadcastable to ``inputs`` (each axis 1 or equal to the input's);
            True (or > 0.5) keeps a position, False masks it. Masked logits are replaced by
            a large negative number before the softmax and their outputs set to 0.

    Example:
        >>> lamina.layers.Softmax()(np.array([[1.0, 2.0, 1.0]]))  # [[0.212, 0.576, 0.212]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def _check_mask(self, inputs, mask):
        in_shape, mask_shape = tuple(inputs.shape), tuple(mask.shape)
        broadcastable = len(mask_shape) <= len(in_shape) and all(
            m == 1 or m == i for m, i in zip(reversed(mask_shape), reversed(in_shape))
        )
        if not broadcastable:
            raise ValueError(
                f'Softmax layer "{self.name}": the mask must be broadcastable to the inputs '
                "(no more axes than them, each axis 1 or the input's size). Received "
                f"inputs.shape={in_shape}, mask.shape={mask_shape}."
            )

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = ops.convert_to_tensor(mask)
            self._check_mask(inputs, mask)
            if backend.standardize_dtype(mask.dtype) != "bool":
                mask = ops.greater(mask, 0.5)
            inputs = ops.where(mask, inputs, _large_negative(inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            axis = tuple(self.axis)
            outputs = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=axis,
                                                                 keepdims=True)))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = ops.softmax(inputs, axis=axis)
        if mask is not None:
            # A fully masked row would otherwise come out uniform instead of all zero.
            outputs = ops.where(mask, outputs, ops.zeros_like(outputs))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
