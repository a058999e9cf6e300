"""``ConvLSTM1D`` / ``ConvLSTM2D`` / ``ConvLSTM3D``: LSTMs whose matrix products are
convolutions (Shi et al., 2015), for sequences of signals, images or volumes.

The gates are the LSTM's (order i, f, c, o), with ``x_t @ kernel`` replaced by a convolution
of the input (the layer's ``strides`` / ``padding`` / ``dilation_rate``) and
``h_{t-1} @ recurrent_kernel`` by a stride-1 "same" convolution of the state, so the states
keep the spatial shape of the input convolution's output. ``ConvLSTMCell`` is one step;
``ConvLSTM`` the shared layer, and the rank variants fix ``rank``.
"""

from lamina import activations
from lamina import backend
from lamina import initializers
from lamina import ops
from lamina import random
from lamina import regularizers
from lamina.layers.convolutional.base_conv import conv_output_length
from lamina.layers.convolutional.base_conv import standardize_tuple
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.rnn.cell_weights import forget_bias_initializer
from lamina.layers.rnn.cell_weights import serialize_constraints
from lamina.layers.rnn.cell_weights import serialize_weight_options
from lamina.layers.rnn.cell_weights import set_weight_options
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.layers.rnn.dropout_rnn_cell import apply_mask
from lamina.layers.rnn.dropout_rnn_cell import clip_rate
from lamina.layers.rnn.rnn import RNN
from lamina.layers.rnn.rnn import cell_property

_LAYOUTS = {
    ("channels_last", 1): "(batch, timesteps, steps, channels)",
    ("channels_last", 2): "(batch, timesteps, rows, cols, channels)",
    ("channels_last", 3): "(batch, timesteps, depth, rows, cols, channels)",
    ("channels_first", 1): "(batch, timesteps, channels, steps)",
    ("channels_first", 2): "(batch, timesteps, channels, rows, cols)",
    ("channels_first", 3): "(batch, timesteps, channels, depth, rows, cols)",
}


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One timestep of a convolutional LSTM.

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        filters: the number of channels of the states and output.
        kernel_size: an int or ``rank`` ints, for both convolutions.
        strides, padding, dilation_rate: of the input convolution (``padding`` is
            ``"valid"`` or ``"same"``; strides > 1 and dilation > 1 do not mix).
        data_format: ``"channels_last"`` or ``"channels_first"``; default
            ``lamina.backend.image_data_format()``.
        activation, recurrent_activation, use_bias, kernel_initializer,
        recurrent_initializer, bias_initializer, unit_forget_bias, kernel_regularizer,
        recurrent_regularizer, bias_regularizer, kernel_constraint, recurrent_constraint,
        bias_constraint, dropout, recurrent_dropout, seed: as for ``LSTMCell`` (each gate
            always gets its own dropout masks).

    Example:
        >>> cell = ConvLSTMCell(2, filters=3, kernel_size=3, padding="same")
        >>> layer = lamina.layers.RNN(cell)
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(f"ConvLSTMCell: `rank` must be 1, 2 or 3, got {rank!r}.")
        name = f"ConvLSTM{rank}D"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ValueError(f"{name}: `filters` must be a positive int, got {filters!r}.")
        self.rank = rank
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size", name)
        self.strides = standardize_tuple(strides, rank, "strides", name)
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate", name)
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(
                f"{name}: `padding` must be 'valid' or 'same', got {padding!r}."
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{name}: `strides` > 1 cannot be combined with `dilation_rate` > 1; got "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}."
            )
        self.data_format = backend.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.unit_forget_bias = unit_forget_bias
        set_weight_options(self, kernel_initializer, recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer, bias_regularizer,
                           kernel_constraint, recurrent_constraint, bias_constraint)
        self.dropout = clip_rate(dropout)
        self.recurrent_dropout = clip_rate(recurrent_dropout)
        self.dropout_mask_count = 4
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.state_size = -1  # the states are feature maps; their shape comes from build

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        channels = input_shape[self._channel_axis()]
        if None in spatial or channels is None:
            raise ValueError(
                f'ConvLSTM{self.rank}D cell "{self.name}" needs known spatial sizes and '
                f"channels, got a per-step input shape of {input_shape}."
            )
        self.spatial_dims = tuple(spatial)
        self.input_dim = channels
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, 4 * self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, 4 * self.filters),
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint, name="recurrent_kernel")
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = forget_bias_initializer(self.bias_initializer, self.filters)
            self.bias = self.add_weight(
                shape=(4 * self.filters,), initializer=initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                name="bias")
        else:
            self.bias = None
        self.built = True

    def _input_conv(self, x, kernel):
        return ops.conv(x, kernel, strides=self.strides, padding=self.padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def _recurrent_conv(self, h, kernel):
        return ops.conv(h, kernel, strides=1, padding="same", data_format=self.data_format)

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        input_masks = self.get_dropout_mask(inputs) if training else None
        state_masks = self.get_recurrent_dropout_mask(h_prev) if training else None
        axis = self._channel_axis()
        if input_masks is None and state_masks is None:
            # No dropout: one convolution per kernel gives all four gates at once.
            z = ops.add(self._input_conv(inputs, self.kernel.value),
                        self._recurrent_conv(h_prev, self.recurrent_kernel.value))
        else:
            input_masks = input_masks or [None] * 4
            state_masks = state_masks or [None] * 4
            kernels = ops.split(self.kernel.value, 4, axis=-1)
            recurrent = ops.split(self.recurrent_kernel.value, 4, axis=-1)
            z = ops.concatenate([
                ops.add(self._input_conv(apply_mask(inputs, mi), k),
                        self._recurrent_conv(apply_mask(h_prev, mh), r))
                for mi, mh, k, r in zip(input_masks, state_masks, kernels, recurrent)],
                axis=axis)
        if self.bias is not None:
            bias = self.bias.value
            if axis == 1:
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            z = ops.add(z, bias)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=axis)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = ops.add(ops.multiply(f, c_prev), ops.multiply(i, self.activation(z_c)))
        o = self.recurrent_activation(z_o)
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def state_shape(self, input_shape):
        """The shape of ``h`` and ``c`` for a per-step input of ``input_shape``."""
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = tuple(conv_output_length(s, k, st, d, self.padding) for s, k, st, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (self.filters,)
        return (input_shape[0], self.filters) + out

    def compute_output_shape(self, inputs_shape, states_shape=None):
        shape = self.state_shape(tuple(inputs_shape))
        return shape, [shape, shape]

    def get_initial_state(self, batch_size=None):
        """``[h, c]``: zero feature maps of the convolution's output shape."""
        if self.data_format == "channels_last":
            input_shape = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            input_shape = (batch_size, self.input_dim) + self.spatial_dims
        shape = self.state_shape(input_shape)
        return [ops.zeros(shape, dtype=self._dtype), ops.zeros(shape, dtype=self._dtype)]

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
        })
        options = serialize_weight_options(self)
        config.update({k: options[k] for k in
                       ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer")})
        config.update(serialize_constraints(self))
        config.update({"dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                       "seed": self.seed})
        return config


# RNN's loop reads the output of this call() from the first state (see rnn.py).
ConvLSTMCell._call_returns_first_state = ConvLSTMCell.call


class ConvLSTM(RNN):
    """The convolutional LSTM layer of rank ``rank``; use ConvLSTM1D / 2D / 3D.

    Args:
        rank: the number of spatial axes.
        filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
        recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, unit_forget_bias, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout, seed: as for :class:`ConvLSTMCell`.
        activity_regularizer: a penalty on the layer's output.
        return_sequences, return_state, go_backwards, stateful: as for ``RNN``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank=rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, name="conv_lstm_cell",
            dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=rank + 3)
        self._sequence_ndim = rank + 3
        self._sequence_layout = _LAYOUTS[(cell.data_format, rank)]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = self.cell.state_shape((batch,) + tuple(sequences_shape[2:]))
        output = (batch, steps) + state[1:] if self.return_sequences else state
        if self.return_state:
            return output, state, state
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    filters = cell_property("filters")
    kernel_size = cell_property("kernel_size")
    strides = cell_property("strides")
    padding = cell_property("padding")
    data_format = cell_property("data_format")
    dilation_rate = cell_property("dilation_rate")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    unit_forget_bias = cell_property("unit_forget_bias")
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
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key)
        for key, value in cell_config.items():
            config[key] = value
            if key == "bias_regularizer":
                config["activity_regularizer"] = regularizers.serialize(
                    self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _forward_args(arguments):
    """The constructor arguments of a rank variant, for ``ConvLSTM.__init__``."""
    arguments = {k: v for k, v in arguments.items() if k not in ("self", "__class__")}
    arguments.update(arguments.pop("kwargs"))
    return arguments


class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM, for sequences of 1-D signals.

    Inputs are ``(batch, timesteps, steps, channels)`` with ``channels_last``
    (with ``channels_first`` the channels come right after timesteps); see
    :class:`ConvLSTM` for the arguments.

    Example:
        >>> layer = lamina.layers.ConvLSTM1D(5, 3)
        >>> layer(np.ones((2, 4, 8, 3))).shape
        (2, 6, 5)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(1, **_forward_args(locals()))


class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM, for sequences of images (e.g. video frames).

    Inputs are ``(batch, timesteps, rows, cols, channels)`` with ``channels_last``
    (with ``channels_first`` the channels come right after timesteps); see
    :class:`ConvLSTM` for the arguments.

    Example:
        >>> layer = lamina.layers.ConvLSTM2D(5, 3, padding="same")
        >>> layer(np.ones((2, 4, 8, 8, 3))).shape
        (2, 8, 8, 5)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(2, **_forward_args(locals()))


class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM, for sequences of volumes.

    Inputs are ``(batch, timesteps, depth, rows, cols, channels)`` with ``channels_last``
    (with ``channels_first`` the channels come right after timesteps); see
    :class:`ConvLSTM` for the arguments.

    Example:
        >>> layer = lamina.layers.ConvLSTM3D(5, 3)
        >>> layer(np.ones((1, 2, 4, 4, 4, 1))).shape
        (1, 2, 2, 2, 5)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        super().__init__(3, **_forward_args(locals()))
