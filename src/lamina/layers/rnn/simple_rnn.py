"""``SimpleRNNCell`` and ``SimpleRNN``: the fully connected recurrence
``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``."""

from lamina import activations
from lamina import ops
from lamina import random
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.rnn.cell_weights import add_recurrent_weights
from lamina.layers.rnn.cell_weights import check_units
from lamina.layers.rnn.cell_weights import serialize_constraints
from lamina.layers.rnn.cell_weights import serialize_weight_options
from lamina.layers.rnn.cell_weights import set_weight_options
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.layers.rnn.dropout_rnn_cell import apply_mask
from lamina.layers.rnn.dropout_rnn_cell import clip_rate
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.rnn import cell_property


class SimpleRNNCell(Layer, DropoutRNNCell):
    """One timestep of a fully connected RNN.

    ``output = h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)``.

    Args:
        units: the size of the state and output.
        activation: applied to the new state (``"tanh"``; None means linear).
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers
            (``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: weight penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: weight constraints.
        dropout: fraction of the inputs dropped (same mask at every step) when training.
        recurrent_dropout: fraction of the state dropped (same mask at every step).
        seed: an int for repeatable dropout masks.

    Call arguments:
        sequence: ``(batch, features)``, one timestep.
        states: ``[h]`` with ``h`` of shape ``(batch, units)``.
        training: whether dropout is active.

    Returns:
        ``(h, [h])``.

    Example:
        >>> cell = lamina.layers.SimpleRNNCell(4)
        >>> h, [state] = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        check_units("SimpleRNNCell", units)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        set_weight_options(self, kernel_initializer, recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer, bias_regularizer,
                           kernel_constraint, recurrent_constraint, bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        add_recurrent_weights(self, input_shape[-1], 1)
        self.bias = self.add_weight(
            shape=(self.units,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            name="bias") if self.use_bias else None
        self.built = True

    def call(self, sequence, states, training=False):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        if training:
            sequence = apply_mask(sequence, self.get_dropout_mask(sequence))
            previous = apply_mask(previous, self.get_recurrent_dropout_mask(previous))
        h = ops.matmul(sequence, self.kernel.value)
        if self.bias is not None:
            h = ops.add(h, self.bias.value)
        output = ops.add(h, ops.matmul(previous, self.recurrent_kernel.value))
        output = self.activation(output)
        return output, [output] if isinstance(states, (list, tuple)) else output

    def get_initial_state(self, batch_size=None):
        """``[zeros((batch_size, units))]``."""
        return [ops.zeros((batch_size, self.units), dtype=self._dtype)]

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units,
                       "activation": activations.serialize(self.activation),
                       "use_bias": self.use_bias})
        config.update(serialize_weight_options(self))
        config.update(serialize_constraints(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "seed": self.seed})
        return config


# RNN's loop reads the output of this call() from the first state (see rnn.py).
SimpleRNNCell._call_returns_first_state = SimpleRNNCell.call


class SimpleRNN(RNN):
    """A fully connected RNN whose output is fed back as the next step's state.

    Args:
        units: the size of the state and output.
        activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed: as for
            :class:`SimpleRNNCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as for :class:`RNN`.

    Example:
        >>> layer = lamina.layers.SimpleRNN(4, return_sequences=True)
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    _sequence_ndim = 3

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    units = cell_property("units")
    activation = cell_property("activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update({"units": self.units,
                       "activation": activations.serialize(self.activation),
                       "use_bias": self.use_bias})
        config.update(serialize_weight_options(self))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config.update(serialize_constraints(self))
        # Keras's SimpleRNN config has no "seed" entry; the cell keeps it.
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
