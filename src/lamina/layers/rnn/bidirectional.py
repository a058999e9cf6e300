"""``Bidirectional``: runs a recurrent layer forwards and a copy of it backwards, and merges
the two outputs.

The backward copy reads the sequence from the end (``go_backwards=True``); its sequence
output is flipped back so that step t of both directions describes input step t.
"""

import inspect

from lamina import ops
from lamina.layers.layer import Layer
from lamina.layers.rnn.rnn import check_sequence_rank
from lamina.layers.rnn.stacked_rnn_cells import build_cell

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)
_RNN_ATTRIBUTES = ("go_backwards", "return_sequences", "return_state")
_NOT_RECURRENT = (
    "Bidirectional: `{arg}` must be a recurrent layer such as layers.LSTM(units), "
    "layers.GRU(units) or layers.RNN(cell): a Layer with go_backwards, return_sequences and "
    "return_state attributes. Got {layer!r}{missing}. To apply a layer to every timestep "
    "use layers.TimeDistributed(layer) instead."
)


def _strip_prefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def _check_recurrent(arg, layer):
    if not isinstance(layer, Layer):
        raise ValueError(_NOT_RECURRENT.format(arg=arg, layer=layer, missing=""))
    missing = [a for a in _RNN_ATTRIBUTES if not hasattr(layer, a)]
    if missing:
        raise ValueError(_NOT_RECURRENT.format(
            arg=arg, layer=layer, missing=f" (it has no {', '.join(missing)})"))


def _copy_layer(layer, **changes):
    """A new, unbuilt layer with ``layer``'s config and the ``changes``."""
    config = dict(layer.get_config())
    config.update(changes)
    cell = getattr(layer, "cell", None)
    if cell is None or "custom_objects" not in inspect.signature(
            type(layer).from_config).parameters:
        return type(layer).from_config(config)
    # A user's cell class need not be registered: the copy reuses the classes in hand.
    cells = [cell] + list(getattr(cell, "cells", []))
    return type(layer).from_config(
        config, custom_objects={type(c).__name__: type(c) for c in cells})


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs: a forward and a backward copy, outputs merged.

    Args:
        layer: the recurrent layer (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN``...). Two
            copies are made: ``forward_<name>`` and ``backward_<name>`` (going backwards).
        merge_mode: how to combine the two outputs: ``"concat"`` (default), ``"sum"``,
            ``"mul"``, ``"ave"``, or None for a list ``[forward, backward]``.
        weights: initial weights, the forward layer's followed by the backward layer's;
            set when the layer is built.
        backward_layer: a layer to use as the backward direction instead of a copy of
            ``layer``; it must have ``go_backwards=True`` (when ``layer`` has False) and
            the same ``return_sequences``, ``return_state`` and ``stateful``.

    Call arguments:
        sequences: ``(batch, timesteps, features)``.
        initial_state: the forward layer's states followed by the backward layer's.
        mask: ``(batch, timesteps)`` booleans.
        training: whether dropout is active.

    Returns:
        The merged output; with ``return_state``, ``(output, *forward_states,
        *backward_states)``.

    Example:
        >>> layer = lamina.layers.Bidirectional(lamina.layers.LSTM(4))
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        _check_recurrent("layer", layer)
        if backward_layer is not None:
            _check_recurrent("backward_layer", backward_layer)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional: unknown `merge_mode` {merge_mode!r}. Valid modes are "
                "'concat', 'sum', 'mul', 'ave' and None."
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(
            layer, name=f"forward_{_strip_prefix(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy_layer(
                layer, go_backwards=True,
                name=f"backward_{_strip_prefix(layer.name, 'backward_')}")
        self.backward_layer = backward_layer
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = layer.use_cudnn
            self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        # Keras zeroes masked outputs in both directions, so that the flipped backward
        # sequence lines up with padding in the forward one.
        for direction in (self.forward_layer, self.backward_layer):
            if getattr(direction, "zero_output_for_mask", None) is not None:
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = getattr(layer, "stateful", False)
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Bidirectional: the forward and backward layers must differ in `go_backwards`"
                f", got forward go_backwards={forward.go_backwards} and backward "
                f"go_backwards={backward.go_backwards}. Build `backward_layer` with "
                "go_backwards=True (and `layer` with False)."
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            f_value = getattr(forward, attribute, None)
            b_value = getattr(backward, attribute, None)
            if f_value != b_value:
                raise ValueError(
                    f"Bidirectional: the forward and backward layers must have the same "
                    f"`{attribute}`, got {f_value} (forward) and {b_value} (backward)."
                )

    def _check_input_spec(self, first):
        shape = getattr(first, "shape", None)
        ndim = getattr(self.forward_layer, "_sequence_ndim", None)
        if shape is not None and ndim is not None:
            check_sequence_rank(self, tuple(shape), ndim,
                                kind=f"Bidirectional({type(self.forward_layer).__name__})",
                                layout=self.forward_layer._sequence_layout)
        super()._check_input_spec(first)

    def build(self, sequences_shape, initial_state_shape=None):
        for direction in (self.forward_layer, self.backward_layer):
            build_cell(direction, sequences_shape, self._dtype)
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_has_training_arg and training is not None:
            kwargs["training"] = training
        if self.forward_layer._call_has_mask_arg:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        output = self._merge(y, y_rev)
        if not self.return_state:
            return output
        return (*output, *states) if self.merge_mode is None else (output, *states)

    def _merge(self, y, y_rev):
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return ops.add(y, y_rev)
        if self.merge_mode == "ave":
            return ops.divide(ops.add(y, y_rev), 2.0)
        if self.merge_mode == "mul":
            return ops.multiply(y, y_rev)
        return [y, y_rev]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = ()
        if self.return_state:
            output_shape, state_shapes = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [tuple(output_shape), tuple(output_shape)]
        if not self.return_state:
            return output_shape
        if self.merge_mode is None:
            return tuple(output_shape) + state_shapes + state_shapes
        return (tuple(output_shape),) + state_shapes + state_shapes

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        if self.return_sequences:
            output_mask = mask if self.merge_mode else [mask, mask]
        else:
            output_mask = None if self.merge_mode else [None, None]
        if self.return_state:
            count = 2 * len(getattr(self.forward_layer, "state_size", []) or [])
            heads = output_mask if isinstance(output_mask, list) else [output_mask]
            return heads + [None] * count
        return output_mask

    @property
    def states(self):
        """The kept states of a stateful layer: the forward ones, then the backward ones."""
        forward = getattr(self.forward_layer, "states", None)
        backward = getattr(self.backward_layer, "states", None)
        if forward and backward:
            return tuple(forward) + tuple(backward)
        return None

    def reset_state(self):
        """Zero the kept states of both directions (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(
                f'Bidirectional layer "{self.name}" is not stateful, so it keeps no states '
                "to reset. Build the wrapped layer with stateful=True."
            )
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Alias of :meth:`reset_state` (Keras 2 name)."""
        self.reset_state()

    def get_config(self):
        from lamina.saving import serialization

        config = super().get_config()
        config.update({
            "merge_mode": self.merge_mode,
            "layer": serialization.serialize_keras_object(self.forward_layer),
            "backward_layer": serialization.serialize_keras_object(self.backward_layer),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving import serialization

        config = dict(config)
        config["layer"] = serialization.deserialize_keras_object(
            config["layer"], custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = serialization.deserialize_keras_object(
                backward, custom_objects=custom_objects)
        return cls(**config)
