"""``LSTMCell`` and ``LSTM``: long short-term memory (Hochreiter & Schmidhuber, 1997).

With ``z = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias`` split into four blocks in
Keras's gate order (input i, forget f, candidate c, output o):

    i = σ(z_i), f = σ(z_f), c_t = f * c_{t-1} + i * tanh(z_c), o = σ(z_o), h_t = o * tanh(c_t)

(σ = ``recurrent_activation``, tanh = ``activation``). The layer runs a fused backend
kernel for the default configuration when the backend has one (``backend.rnn.lstm``) and
the generic ``ops.scan`` loop otherwise.
"""

from lamina import activations
from lamina import backend
from lamina import initializers
from lamina import ops
from lamina import random
from lamina import regularizers
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.rnn.cell_weights import add_recurrent_weights
from lamina.layers.rnn.cell_weights import check_units
from lamina.layers.rnn.cell_weights import forget_bias_initializer
from lamina.layers.rnn.cell_weights import serialize_constraints
from lamina.layers.rnn.cell_weights import serialize_weight_options
from lamina.layers.rnn.cell_weights import set_weight_options
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.layers.rnn.dropout_rnn_cell import apply_mask
from lamina.layers.rnn.dropout_rnn_cell import clip_rate
from lamina.layers.rnn.fused import check_use_cudnn
from lamina.layers.rnn.fused import dropped_sequences
from lamina.layers.rnn.fused import fused_or_fallback
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.rnn import cell_property


class LSTMCell(Layer, DropoutRNNCell):
    """One timestep of an LSTM (see the module docstring for the equations).

    Args:
        units: the size of the states ``h`` and ``c`` and of the output.
        activation: for the candidate and the output (``"tanh"``).
        recurrent_activation: for the gates i, f, o (``"sigmoid"``).
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers
            (``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``).
        unit_forget_bias: start the forget-gate bias at 1 (Jozefowicz et al., 2015).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: weight penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: weight constraints.
        dropout: fraction of the inputs dropped when training (fixed for a sequence).
        recurrent_dropout: fraction of ``h`` dropped when training (fixed for a sequence);
            each gate then gets its own masks.
        seed: an int for repeatable dropout masks.

    Call arguments:
        inputs: ``(batch, features)``; states: ``[h, c]``; training: dropout switch.

    Returns:
        ``(h, [h, c])``.

    Example:
        >>> cell = lamina.layers.LSTMCell(4)
        >>> h, (h2, c) = cell(np.ones((2, 3)), [np.zeros((2, 4)), np.zeros((2, 4))])
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        check_units("LSTMCell", units)
        kwargs.pop("implementation", None)  # Keras 2's choice of kernel layout: results match
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.unit_forget_bias = unit_forget_bias
        set_weight_options(self, kernel_initializer, recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer, bias_regularizer,
                           kernel_constraint, recurrent_constraint, bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        if self.recurrent_dropout:
            self.dropout_mask_count = 4  # one mask per gate, as Keras's implementation 1
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape):
        add_recurrent_weights(self, input_shape[-1], 4)
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = forget_bias_initializer(self.bias_initializer, self.units)
            self.bias = self.add_weight(
                shape=(4 * self.units,), initializer=initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias")
        else:
            self.bias = None
        # On a GPU torch's cuDNN LSTM reads the weights from one flat buffer: lay them out so.
        backend.rnn.pack_lstm_weights(self.kernel, self.recurrent_kernel, self.bias)
        self.built = True

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        input_mask = self.get_dropout_mask(inputs) if training else None
        state_mask = self.get_recurrent_dropout_mask(h_prev) if training else None
        if isinstance(input_mask, list) or isinstance(state_mask, list):
            z = self._gates_with_per_gate_masks(inputs, h_prev, input_mask, state_mask)
        else:
            z = ops.add(ops.matmul(apply_mask(inputs, input_mask), self.kernel.value),
                        ops.matmul(h_prev, self.recurrent_kernel.value))
            if self.bias is not None:
                z = ops.add(z, self.bias.value)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = ops.add(ops.multiply(f, c_prev), ops.multiply(i, self.activation(z_c)))
        o = self.recurrent_activation(z_o)
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def _gates_with_per_gate_masks(self, inputs, h_prev, input_mask, state_mask):
        input_mask = input_mask or [None] * 4
        state_mask = state_mask or [None] * 4
        kernels = ops.split(self.kernel.value, 4, axis=1)
        recurrent = ops.split(self.recurrent_kernel.value, 4, axis=1)
        blocks = [ops.add(ops.matmul(apply_mask(inputs, mi), k),
                          ops.matmul(apply_mask(h_prev, mh), r))
                  for mi, mh, k, r in zip(input_mask, state_mask, kernels, recurrent)]
        z = ops.concatenate(blocks, axis=-1)
        return ops.add(z, self.bias.value) if self.bias is not None else z

    def get_initial_state(self, batch_size=None):
        """``[h, c]``, both ``zeros((batch_size, units))``."""
        return [ops.zeros((batch_size, self.units), dtype=self._dtype) for _ in range(2)]

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "unit_forget_bias": self.unit_forget_bias,
        })
        config.update(serialize_weight_options(self))
        config.update(serialize_constraints(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "seed": self.seed})
        return config


# RNN's loop reads the output of this call() from the first state (see rnn.py).
LSTMCell._call_returns_first_state = LSTMCell.call


class LSTM(RNN):
    """Long short-term memory layer (Hochreiter & Schmidhuber, 1997).

    On torch the default configuration (tanh / sigmoid, no recurrent dropout, no unroll,
    no mask or a right-padded one) runs torch's fused LSTM kernel (cuDNN on GPU); other
    configurations and backends loop :class:`LSTMCell` with ``ops.scan``. Both give the
    same numbers.

    Args:
        units: the size of the states and output.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias, kernel_regularizer,
        recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout, seed: as for :class:`LSTMCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as for :class:`RNN`
            (``return_state`` gives ``(output, h, c)``).
        use_cudnn: "auto" uses the fused kernel when it applies; True requires it (an error
            otherwise); False always uses the generic loop.

    Example:
        >>> layer = lamina.layers.LSTM(4, return_state=True)
        >>> output, h, c = layer(np.ones((2, 5, 3)))
        >>> output.shape, c.shape
        ((2, 4), (2, 4))
    """

    _sequence_ndim = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto",
                 **kwargs):
        check_use_cudnn("LSTM", use_cudnn)
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="lstm_cell",
            implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def inner_loop(self, sequences, initial_state, mask, training=False):
        result = fused_or_fallback(
            self, lambda: self._fused_loop(sequences, initial_state, mask, training))
        if result is not None:
            return result
        return super().inner_loop(sequences, initial_state, mask, training=training)

    def _fused_loop(self, sequences, initial_state, mask, training):
        cell = self.cell
        if not (cell.activation is activations.tanh
                and cell.recurrent_activation is activations.sigmoid
                and not cell.recurrent_dropout and not self.unroll):
            return None
        return backend.rnn.lstm(
            dropped_sequences(cell, sequences, training), initial_state[0], initial_state[1],
            cell.kernel.value, cell.recurrent_kernel.value,
            cell.bias.value if cell.bias is not None else None, mask=mask,
            go_backwards=self.go_backwards, return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask)

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    unit_forget_bias = cell_property("unit_forget_bias")
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
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
        })
        config.update(serialize_constraints(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "seed": self.cell.seed})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
