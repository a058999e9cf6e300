"""``TimeDistributed``: applies one layer (one set of weights) to every timestep of a
sequence, independently."""

from lamina import ops
from lamina.layers.core.dense import Dense
from lamina.layers.core.wrapper import Wrapper
from lamina.layers.rnn.stacked_rnn_cells import build_cell


class TimeDistributed(Wrapper):
    """Apply ``layer`` to every temporal slice ``inputs[:, t]`` of the input.

    Each timestep is processed separately (as in Keras 3), so layers whose result depends
    on the whole batch (batch normalization in training, dropout draws) see one timestep
    at a time. A ``Dense`` layer, which treats every row on its own, processes all
    timesteps in one call.

    Args:
        layer: the layer to apply, e.g. ``Dense(8)`` or ``Conv2D(16, 3)``.

    Call arguments:
        inputs: ``(batch, timesteps, ...)``.
        training: passed to the wrapped layer.
        mask: ``(batch, timesteps)``; passed on per timestep to layers that take a mask.

    Example:
        >>> layer = lamina.layers.TimeDistributed(lamina.layers.Dense(4))
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f'TimeDistributed layer "{self.name}" expects inputs of shape (batch, '
                f"timesteps, ...) with at least 3 dimensions, but received shape "
                f"{input_shape}. Add a timesteps axis, or call the wrapped layer directly."
            )
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        build_cell(self.layer, self._child_input_shape(input_shape), self._dtype)
        self.built = True

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_input_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def call(self, inputs, training=None, mask=None):
        self._child_input_shape(tuple(inputs.shape))
        if mask is not None and (len(mask.shape) < 2 or
                                 tuple(mask.shape[:2]) != tuple(inputs.shape[:2])):
            raise ValueError(
                f'TimeDistributed layer "{self.name}": the mask has shape '
                f"{tuple(mask.shape)}, but it must start with the input's (batch, timesteps) "
                f"= {tuple(inputs.shape[:2])}."
            )
        kwargs = {}
        if self.layer._call_has_training_arg and training is not None:
            kwargs["training"] = training
        if isinstance(self.layer, Dense):
            return self.layer.call(inputs, **kwargs)
        steps = []
        for t in range(inputs.shape[1]):
            step_kwargs = dict(kwargs)
            if mask is not None and self.layer._call_has_mask_arg:
                step_kwargs["mask"] = mask[:, t]
            steps.append(self.layer.call(inputs[:, t], **step_kwargs))
        return ops.stack(steps, axis=1)
