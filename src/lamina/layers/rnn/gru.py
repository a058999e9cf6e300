"""``GRUCell`` and ``GRU``: the gated recurrent unit (Cho et al., 2014).

Keras's gate order is update z, reset r, candidate h. With ``x_* = x_t @ kernel_*`` and
``σ`` = ``recurrent_activation``:

    z = σ(x_z + h_{t-1} @ U_z + b),  r = σ(x_r + h_{t-1} @ U_r + b)
    reset_after=True  (default, cuDNN's form): h~ = tanh(x_h + b_x + r * (h_{t-1} @ U_h + b_h))
    reset_after=False (the original paper's):  h~ = tanh(x_h + b + (r * h_{t-1}) @ U_h)
    h_t = z * h_{t-1} + (1 - z) * h~

With ``reset_after`` the bias has shape ``(2, 3 * units)``: row 0 is added to the input
projection, row 1 to the recurrent one; otherwise it is one ``(3 * units,)`` vector.
"""

from lamina import activations
from lamina import backend
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
from lamina.layers.rnn.fused import check_use_cudnn
from lamina.layers.rnn.fused import dropped_sequences
from lamina.layers.rnn.fused import fused_or_fallback
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.rnn import cell_property


class GRUCell(Layer, DropoutRNNCell):
    """One timestep of a GRU (see the module docstring for the equations).

    Args:
        units: the size of the state and output.
        activation: for the candidate state (``"tanh"``).
        recurrent_activation: for the update and reset gates (``"sigmoid"``).
        use_bias: whether to add biases.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers
            (``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: weight penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: weight constraints.
        dropout: fraction of the inputs dropped when training (fixed for a sequence).
        recurrent_dropout: fraction of the state dropped when training (fixed for a
            sequence); each gate then gets its own masks.
        reset_after: apply the reset gate after the recurrent matrix product (True, the
            cuDNN-compatible form) or before it (False).
        seed: an int for repeatable dropout masks.

    Call arguments:
        inputs: ``(batch, features)``; states: ``[h]`` (or ``h``); training: dropout switch.

    Returns:
        ``(h, [h])`` (``(h, h)`` when ``states`` was a single tensor).

    Example:
        >>> cell = lamina.layers.GRUCell(4)
        >>> h, [state] = cell(np.ones((2, 3)), [np.zeros((2, 4))])
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None, **kwargs):
        check_units("GRUCell", units)
        kwargs.pop("implementation", None)  # Keras 2's choice of kernel layout: results match
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        set_weight_options(self, kernel_initializer, recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer, bias_regularizer,
                           kernel_constraint, recurrent_constraint, bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        if self.recurrent_dropout:
            self.dropout_mask_count = 3  # one mask per gate, as Keras's implementation 1
        self.reset_after = reset_after
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        add_recurrent_weights(self, input_shape[-1], 3)
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(
                shape=shape, initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias")
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=False):
        is_list = isinstance(states, (list, tuple))
        h_prev = states[0] if is_list else states
        input_mask = self.get_dropout_mask(inputs) if training else None
        state_mask = self.get_recurrent_dropout_mask(h_prev) if training else None
        input_mask = input_mask if isinstance(input_mask, list) else [input_mask] * 3
        state_mask = state_mask if isinstance(state_mask, list) else [state_mask] * 3
        kernel, recurrent = self.kernel.value, self.recurrent_kernel.value
        input_bias = recurrent_bias = None
        if self.bias is not None:
            bias = self.bias.value
            input_bias, recurrent_bias = (bias[0], bias[1]) if self.reset_after else (bias, None)

        # 1. Input projections x_z, x_r, x_h (one matmul when the masks are shared).
        if input_mask[0] is input_mask[1]:
            x = ops.matmul(apply_mask(inputs, input_mask[0]), kernel)
            x_z, x_r, x_h = ops.split(x, 3, axis=-1)
        else:
            x_z, x_r, x_h = (ops.matmul(apply_mask(inputs, m), k) for m, k in
                             zip(input_mask, ops.split(kernel, 3, axis=1)))
        if input_bias is not None:
            b_z, b_r, b_h = ops.split(input_bias, 3, axis=-1)
            x_z, x_r, x_h = ops.add(x_z, b_z), ops.add(x_r, b_r), ops.add(x_h, b_h)

        # 2. Recurrent projections for the gates, and for the candidate with reset_after.
        u_z, u_r, u_h = ops.split(recurrent, 3, axis=1)
        h_z, h_r, h_h = (apply_mask(h_prev, m) for m in state_mask)
        rec_z, rec_r = ops.matmul(h_z, u_z), ops.matmul(h_r, u_r)
        if recurrent_bias is not None:
            rb_z, rb_r, rb_h = ops.split(recurrent_bias, 3, axis=-1)
            rec_z, rec_r = ops.add(rec_z, rb_z), ops.add(rec_r, rb_r)
        z = self.recurrent_activation(ops.add(x_z, rec_z))
        r = self.recurrent_activation(ops.add(x_r, rec_r))
        if self.reset_after:
            rec_h = ops.matmul(h_h, u_h)
            if recurrent_bias is not None:
                rec_h = ops.add(rec_h, rb_h)
            rec_h = ops.multiply(r, rec_h)
        else:
            rec_h = ops.matmul(ops.multiply(r, h_h), u_h)
        candidate = self.activation(ops.add(x_h, rec_h))

        # 3. h_t = z * h_{t-1} + (1 - z) * candidate
        h = ops.add(ops.multiply(z, h_prev), ops.multiply(ops.subtract(1.0, z), candidate))
        return h, [h] if is_list else h

    def get_initial_state(self, batch_size=None):
        """``[zeros((batch_size, units))]``."""
        return [ops.zeros((batch_size, self.units), dtype=self._dtype)]

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
        })
        config.update(serialize_weight_options(self))
        config.update(serialize_constraints(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "reset_after": self.reset_after, "seed": self.seed})
        return config


# RNN's loop reads the output of this call() from the first state (see rnn.py).
GRUCell._call_returns_first_state = GRUCell.call


class GRU(RNN):
    """Gated recurrent unit layer (Cho et al., 2014).

    On torch the default configuration (tanh / sigmoid, ``reset_after=True``, no recurrent
    dropout, no unroll, no mask or a right-padded one) runs torch's fused GRU kernel (cuDNN
    on GPU), with the gates reordered from Keras's z, r, h to torch's r, z, n; other
    configurations and backends loop :class:`GRUCell` with ``ops.scan``. Both give the
    same numbers.

    Args:
        units: the size of the state and output.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout, seed, reset_after: as for :class:`GRUCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful, unroll: as for :class:`RNN`
            (``return_state`` gives ``(output, h)``).
        use_cudnn: "auto" uses the fused kernel when it applies; True requires it (an error
            otherwise); False always uses the generic loop.

    Example:
        >>> layer = lamina.layers.GRU(4, return_sequences=True)
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    _sequence_ndim = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, reset_after=True, use_cudnn="auto", **kwargs):
        check_use_cudnn("GRU", use_cudnn)
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell", implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        self.use_cudnn = use_cudnn

    def inner_loop(self, sequences, initial_state, mask, training=False):
        result = fused_or_fallback(
            self, lambda: self._fused_loop(sequences, initial_state, mask, training),
            extra=", reset_after=True")
        if result is not None:
            return result
        return super().inner_loop(sequences, initial_state, mask, training=training)

    def _fused_loop(self, sequences, initial_state, mask, training):
        cell = self.cell
        if not (cell.activation is activations.tanh
                and cell.recurrent_activation is activations.sigmoid
                and cell.reset_after and not cell.recurrent_dropout and not self.unroll):
            return None
        return backend.rnn.gru(
            dropped_sequences(cell, sequences, training), initial_state[0],
            cell.kernel.value, cell.recurrent_kernel.value,
            cell.bias.value if cell.bias is not None else None, mask=mask,
            go_backwards=self.go_backwards, return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask)

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
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
    reset_after = cell_property("reset_after")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
        })
        config.update(serialize_weight_options(self))
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config.update(serialize_constraints(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "reset_after": self.reset_after, "seed": self.cell.seed})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
