"""``ActivityRegularization``: adds an L1/L2 penalty on its inputs to the training loss."""

from lamina import regularizers
from lamina.layers.layer import Layer


class ActivityRegularization(Layer):
    """Passes its inputs through unchanged and adds
    ``(l1 * sum(|x|) + l2 * sum(x ** 2)) / batch_size`` to the loss.

    The penalty is the layer's activity regularizer: it appears in ``layer.losses`` after
    each call and joins a compiled model's loss, pushing activations towards sparse (L1) or
    small (L2) values.

    Args:
        l1: the L1 factor (non-negative, default 0).
        l2: the L2 factor (non-negative, default 0).

    Returns:
        The inputs, unchanged.

    Example:
        >>> layer = lamina.layers.ActivityRegularization(l1=0.01)
        >>> y = layer(np.ones((2, 3)))
        >>> layer.losses  # [0.03]: 0.01 * 6 / batch size 2
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        if "activity_regularizer" in kwargs:
            raise TypeError(
                "ActivityRegularization: pass the penalty as `l1=` and `l2=`; it makes its "
                "own activity_regularizer."
            )
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
