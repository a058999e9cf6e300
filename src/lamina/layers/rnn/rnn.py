"""``RNN``: runs a recurrent cell over the time axis; the base of SimpleRNN, LSTM and GRU.

A *cell* processes one timestep: ``cell(inputs_t, states) -> (output_t, new_states)`` with
a ``state_size`` (an int or a list, one entry per state) and optionally an ``output_size``.
``RNN`` loops it over ``(batch, timesteps, ...)`` inputs with ``ops.scan`` (a compiled loop
on JAX), handling what Keras handles around the loop: initial and stateful states,
``go_backwards``, masks (a masked timestep carries the states and the previous output
forward), dropout masks drawn once per sequence, and the return options. Subclasses may
replace the loop by a fused kernel in :meth:`RNN.inner_loop`.
"""

from lamina import backend
from lamina import ops
from lamina import tree
from lamina.backend import scopes
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.layers.rnn.stacked_rnn_cells import build_cell

_WRONG_RANK = (
    '{kind} layer "{name}" expects a {ndim}-D input of shape {layout}, but it received an '
    "input of shape {shape} ({rank}-D). {hint}"
)


def check_sequence_rank(layer, shape, ndim=3, kind=None,
                        layout="(batch, timesteps, features)"):
    """Raise a ValueError naming ``layer`` when ``shape`` is not a sequence of rank ``ndim``
    (any rank >= 3 when ``ndim`` is None), laid out as ``layout``."""
    if shape is None:
        return
    rank = len(shape)
    if (ndim is None and rank >= 3) or rank == ndim:
        return
    if rank < 3:
        hint = ("Each sample must be a sequence of feature vectors; for one feature per "
                "timestep add a last axis of size 1 (e.g. x[..., None] or "
                "layers.Reshape((timesteps, 1))).")
    elif ndim == 3:
        hint = ("For images, treat each row as a timestep (layers.Reshape((rows, "
                "cols * channels)) first), or use TimeDistributed / ConvLSTM2D for "
                "sequences of images.")
    else:
        hint = "Check that the data has one timesteps axis after the batch axis."
    raise ValueError(_WRONG_RANK.format(
        kind=kind or type(layer).__name__, name=layer.name,
        ndim=ndim if ndim else "3", layout=layout if ndim else layout[:-1] + ", ...)",
        shape=tuple(shape), rank=rank, hint=hint))


def cell_property(name):
    """A read-only layer property forwarding to ``self.cell.<name>`` (Keras's layer API)."""
    return property(lambda self: getattr(self.cell, name),
                    doc=f"The cell's ``{name}``.")


class RNN(Layer):
    """Base class for recurrent layers: loops ``cell`` over the timesteps of the input.

    Args:
        cell: a cell (``call(inputs, states, training=None) -> (output, new_states)`` with
            ``state_size`` and optionally ``output_size`` / ``get_initial_state``), or a
            list of cells, which are stacked with ``StackedRNNCells``.
        return_sequences: return the output of every timestep ``(batch, time, units)``
            instead of only the last ``(batch, units)``.
        return_state: also return the final states: ``(output, *states)``.
        go_backwards: process the sequence from the last timestep to the first; the
            returned sequence is then in processing order (reversed).
        stateful: keep the final states of each batch as the initial states of the next
            (sample i of a batch continues sample i of the previous one); needs a fixed
            batch size. ``reset_state()`` zeroes them.
        unroll: unroll the loop into one block per timestep instead of a compiled loop
            (JAX); can be faster for short sequences, uses more memory. Results match.
        zero_output_for_mask: give zeros instead of the previous output at masked steps.

    Call arguments:
        sequences: ``(batch, timesteps, ...)``.
        initial_state: a list of initial states (one per state of the cell).
        mask: ``(batch, timesteps)`` booleans, True for timesteps to process.
        training: whether dropout is active.

    Example:
        >>> layer = lamina.layers.RNN(lamina.layers.LSTMCell(4), return_sequences=True)
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 4)
    """

    # The input rank the layer accepts: 3 for SimpleRNN / LSTM / GRU; None means >= 3.
    _sequence_ndim = None
    _sequence_layout = "(batch, timesteps, features)"

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(
                f"RNN: `cell` must have a `call(inputs, states)` method, got {cell!r}. Pass "
                "a cell such as layers.LSTMCell(units) (not a layer such as LSTM)."
            )
        if isinstance(cell, RNN):
            raise ValueError(
                f"RNN: `cell` must be a cell such as layers.LSTMCell(units), but got the "
                f"layer {cell!r}. Use the layer directly, or pass its cell class."
            )
        state_size = getattr(cell, "state_size", None)
        if state_size is None or not isinstance(state_size, (int, list, tuple)):
            raise ValueError(
                f"RNN: the cell {cell!r} needs a `state_size` attribute: an int, or a list "
                f"of ints with one entry per state; got {state_size!r}."
            )
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        self.states = None
        self._expected_batch_size = None

    # -- shapes --------------------------------------------------------------------------
    def _check_input_spec(self, first):
        leaves = tree.flatten(first)
        if leaves and hasattr(leaves[0], "shape"):
            check_sequence_rank(self, tuple(leaves[0].shape), self._sequence_ndim,
                                layout=self._sequence_layout)
        super()._check_input_spec(first)

    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        if size is None:
            size = tree.flatten(self.state_size)[0]
        return size

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch = sequences_shape[0]
        size = self._output_size()
        if not isinstance(size, int) or size < 0:
            # A cell whose output is not a vector (e.g. feature maps): run it on placeholders.
            return super().compute_output_shape(sequences_shape)
        output_shape = (batch, sequences_shape[1], size) if self.return_sequences \
            else (batch, size)
        if not self.return_state:
            return output_shape
        states_shape = [(batch, s) if isinstance(s, int) else [(batch, d) for d in s]
                        for s in self.state_size]
        return (output_shape, *states_shape)

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # -- building and states -------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        check_sequence_rank(self, sequences_shape, self._sequence_ndim,
                            layout=self._sequence_layout)
        step_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        build_cell(self.cell, step_shape, self._dtype)
        if self._sequence_ndim == 3 and sequences_shape[-1] is not None:
            # Later calls with another feature size get the standard, named error.
            self.input_spec = InputSpec(ndim=3, axes={-1: sequences_shape[-1]})
        if self.stateful and sequences_shape[0] is not None and self.states is None:
            self._create_state_variables(sequences_shape[0])
        self.built = True

    def _create_state_variables(self, batch_size):
        # Not weights (Keras leaves them out of `weights`): they hold data, not parameters.
        self.states = tree.map_structure(
            lambda value: backend.Variable(value, trainable=False, dtype=self._dtype,
                                           name="rnn_state"),
            self.get_initial_state(batch_size))
        self._expected_batch_size = batch_size

    def get_initial_state(self, batch_size):
        """The states a sequence starts from: the cell's ``get_initial_state`` or zeros."""
        get_fn = getattr(self.cell, "get_initial_state", None)
        if get_fn is None:
            return [ops.zeros((batch_size, d), dtype=self._dtype)
                    for d in tree.flatten(self.state_size)]
        states = get_fn(batch_size=batch_size)
        return list(states) if tree.is_nested(states) else [states]

    def reset_state(self):
        """Zero the states kept by a ``stateful`` layer."""
        if self.states is not None:
            for variable in tree.flatten(self.states):
                variable.assign(ops.zeros_like(variable.value))

    def reset_states(self, states=None):
        """Zero the kept states, or (Keras 2 style) set them to the arrays in ``states``."""
        if states is None:
            self.reset_state()
            return
        variables = tree.flatten(self.states) if self.states is not None else []
        values = tree.flatten(states if isinstance(states, (list, tuple)) else [states])
        if len(values) != len(variables):
            raise ValueError(
                f'RNN layer "{self.name}": reset_states got {len(values)} arrays but the '
                f"layer keeps {len(variables)} states (is it stateful and built?)."
            )
        for variable, value in zip(variables, values):
            variable.assign(value)

    # -- calling -------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch = sequences.shape[0]
        if self.stateful and self.states is None and not scopes.in_symbolic_scope():
            self._create_state_variables(batch)
        if initial_state is None:
            if self.stateful and self.states is not None:
                # A copy: the kept states are overwritten at the end of this call, while
                # torch's backward pass still needs the values this call started from.
                initial_state = tree.map_structure(lambda v: ops.copy(v.value), self.states)
            else:
                initial_state = self.get_initial_state(batch)
        else:
            initial_state = self._standardize_initial_state(initial_state, batch)
        if self.stateful and self._expected_batch_size not in (None, batch) and \
                not scopes.in_symbolic_scope():
            raise ValueError(
                f'Stateful RNN layer "{self.name}" keeps states for batches of '
                f"{self._expected_batch_size} samples but received a batch of {batch}. Feed "
                f"batches of {self._expected_batch_size} (pick a batch_size that divides the "
                "data, or drop the last partial batch), or use a new layer for another size."
            )
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None

        self._prepare_dropout_masks(self.cell, sequences, initial_state, training)
        try:
            last_output, outputs, states = self.inner_loop(sequences, initial_state, mask,
                                                           training=training)
        finally:
            _reset_dropout_masks(self.cell)
        if self.stateful and self.states is not None and not scopes.in_symbolic_scope():
            for variable, value in zip(tree.flatten(self.states), tree.flatten(states)):
                variable.assign(value)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return (output, *states)
        return output

    def _standardize_initial_state(self, initial_state, batch):
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        flat = [ops.convert_to_tensor(s, dtype=self._dtype) for s in tree.flatten(states)]
        default = self.get_initial_state(batch)
        expected = [tuple(s.shape) for s in tree.flatten(default)]
        shapes = [tuple(s.shape) for s in flat]
        if shapes != expected:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": `initial_state` must be a list '
                f"of {len(expected)} tensor(s) of shapes {expected} (batch, state size), one "
                f"per state of the cell, but it received {len(flat)} tensor(s) of shapes "
                f"{shapes}. An LSTM takes [h, c]; a GRU or SimpleRNN takes [h]; an encoder "
                "built with return_state=True gives matching states."
            )
        # The cell sees the states in the structure it makes itself (nested for stacks).
        return tree.pack_sequence_as(default, flat)

    def _prepare_dropout_masks(self, cell, sequences, states, training):
        """Draw each cell's dropout masks before the loop (see dropout_rnn_cell.py)."""
        if not training or not _uses_dropout(cell):
            return
        batch = sequences.shape[0]
        step_input = ops.zeros((batch,) + tuple(sequences.shape[2:]), dtype=sequences.dtype)
        _draw_dropout_masks(cell, step_input, states)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        """Run the cell over the sequence; return ``(last_output, outputs, states)``."""
        return self._scan_loop(sequences, initial_state, mask, training)

    def _scan_loop(self, sequences, initial_state, mask, training):
        cell_kwargs = {}
        if isinstance(self.cell, Layer) and self.cell._call_has_training_arg:
            cell_kwargs["training"] = training
        structure = list(initial_state)
        flat_states = tuple(tree.flatten(structure))

        def run_cell(x_t, states):
            output, new_states = self.cell(x_t, tree.pack_sequence_as(structure, states),
                                           **cell_kwargs)
            new_states = new_states if tree.is_nested(new_states) else [new_states]
            return output, tuple(tree.flatten(new_states))

        # 1. Time-major inputs (and mask), reversed for go_backwards.
        xs = ops.swapaxes(sequences, 0, 1)  # (time, batch, ...)
        if self.go_backwards:
            xs = ops.flip(xs, axis=0)
        if mask is not None:
            mask = ops.swapaxes(ops.cast(mask, "bool"), 0, 1)  # (time, batch)
            if self.go_backwards:
                mask = ops.flip(mask, axis=0)
        # 2. The output carried between steps starts as zeros (Keras's "previous output"
        #    of the first step).
        #    Built-in cells return their first state as the output: without a mask the
        #    loop need not carry it twice (a second copy per step, forward and backward).
        carry_output = mask is not None or not _output_is_first_state(self.cell)
        size = getattr(self.cell, "output_size", None)
        if not carry_output:
            zero_output = None
        elif isinstance(size, int):
            zero_output = ops.zeros((sequences.shape[0], size), dtype=self._dtype)
        else:
            zero_output = ops.zeros_like(run_cell(xs[0], flat_states)[0])
        keep_all = self.return_sequences

        def step(carry, x):
            states, previous = carry if carry_output else (carry, None)
            x_t, m_t = x if mask is not None else (x, None)
            output, new_states = run_cell(x_t, states)
            if not carry_output:
                return new_states, (output if keep_all else None)
            if m_t is not None:
                # 3. A masked step keeps the states and repeats the previous output.
                keep = ops.reshape(m_t, (-1,) + (1,) * (len(output.shape) - 1))
                fallback = ops.zeros_like(output) if self.zero_output_for_mask else previous
                output = ops.where(keep, output, fallback)
                new_states = tuple(
                    ops.where(ops.reshape(m_t, (-1,) + (1,) * (len(s.shape) - 1)), s, old)
                    for s, old in zip(new_states, states))
            return (new_states, output), (output if keep_all else None)

        carry, outputs = ops.scan(
            step, (flat_states, zero_output) if carry_output else flat_states,
            (xs, mask) if mask is not None else xs, unroll=True if self.unroll else 1)
        if carry_output:
            final_states, last_output = carry
        else:
            final_states, last_output = carry, carry[0]
        outputs = ops.swapaxes(outputs, 0, 1) if keep_all else ops.expand_dims(
            last_output, 1)
        return last_output, outputs, tree.pack_sequence_as(structure, list(final_states))

    # -- config --------------------------------------------------------------------------
    def get_config(self):
        from lamina.saving import serialization

        config = super().get_config()
        config.update({
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialization.serialize_keras_object(self.cell),
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving import serialization

        config = dict(config)
        cell = serialization.deserialize_keras_object(config.pop("cell"),
                                                      custom_objects=custom_objects)
        return cls(cell, **config)


def _draw_dropout_masks(cell, step_input, states):
    if isinstance(cell, DropoutRNNCell):
        cell.get_dropout_mask(step_input)
        first_state = tree.flatten(states)[0]
        cell.get_recurrent_dropout_mask(first_state)
    if isinstance(cell, StackedRNNCells):
        for sub, sub_states in zip(cell.cells, states):
            sub_states = sub_states if tree.is_nested(sub_states) else [sub_states]
            _draw_dropout_masks(sub, step_input, sub_states)
            size = getattr(sub, "output_size", None) or tree.flatten(sub.state_size)[0]
            step_input = ops.zeros((step_input.shape[0], size), dtype=step_input.dtype)


def _uses_dropout(cell):
    """Whether ``cell`` (or a cell it stacks) draws dropout masks."""
    if isinstance(cell, DropoutRNNCell) and (getattr(cell, "dropout", 0) or
                                             getattr(cell, "recurrent_dropout", 0)):
        return True
    return any(_uses_dropout(sub) for sub in getattr(cell, "cells", None) or [])


def _reset_dropout_masks(cell):
    if isinstance(cell, DropoutRNNCell):
        cell.reset_dropout_mask()
        cell.reset_recurrent_dropout_mask()
    for sub in getattr(cell, "cells", None) or []:
        _reset_dropout_masks(sub)


def _output_is_first_state(cell):
    """Whether ``cell.call`` is a built-in cell's own ``call``, which returns its first
    state as the output (LSTM, GRU, SimpleRNN and ConvLSTM cells return ``h``)."""
    call = getattr(type(cell), "call", None)
    return call is not None and call is getattr(type(cell), "_call_returns_first_state", None)
