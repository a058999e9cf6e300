"""``StackedRNNCells``: several cells run one after another inside each timestep.

The output of cell k is the input of cell k + 1 at the same timestep; the states are a list
with one entry per cell. ``RNN([cell_a, cell_b])`` wraps its list in this class.
"""

from lamina import ops
from lamina import tree
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer


def build_cell(cell, step_input_shape, dtype):
    """Build ``cell`` for per-step inputs of ``step_input_shape`` (no-op when built).

    Going through ``_maybe_build`` (what a first call does) also registers sublayers held in
    lists, such as the cells of a stack, with the engine.
    """
    if isinstance(cell, Layer) and not cell.built:
        cell._maybe_build(KerasTensor(tuple(step_input_shape), dtype))


def cell_output_size(cell):
    """The size of a cell's output: ``output_size``, else its first state's size."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return tree.flatten(cell.state_size)[0]


class StackedRNNCells(Layer):
    """Wraps a list of cells so that they act as one cell, applied in order at each step.

    Args:
        cells: a list of cells (e.g. ``LSTMCell`` instances).

    Example:
        >>> cells = [lamina.layers.LSTMCell(8), lamina.layers.LSTMCell(4)]
        >>> layer = lamina.layers.RNN(lamina.layers.StackedRNNCells(cells))
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or \
                    getattr(cell, "state_size", None) is None:
                raise ValueError(
                    f"StackedRNNCells: every cell needs a `call(inputs, states)` method and "
                    f"a `state_size` attribute; {cell!r} lacks one. Pass cells such as "
                    "layers.LSTMCell(units), not layers such as LSTM(units)."
                )
        self.cells = cells

    @property
    def state_size(self):
        """One entry per cell: that cell's ``state_size``."""
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        """The last cell's output size."""
        return cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        """Each cell's initial states (zeros unless the cell says otherwise)."""
        states = []
        for cell in self.cells:
            get_fn = getattr(cell, "get_initial_state", None)
            if get_fn is not None:
                states.append(get_fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(ops.zeros((batch_size, cell.state_size), dtype=self._dtype))
            else:
                states.append([ops.zeros((batch_size, d), dtype=self._dtype)
                               for d in cell.state_size])
        return states

    def build(self, input_shape):
        batch = input_shape[0]
        for cell in self.cells:
            build_cell(cell, input_shape, self._dtype)
            input_shape = (batch, cell_output_size(cell))
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            is_list = tree.is_nested(cell_states)
            cell_states = list(cell_states) if is_list else [cell_states]
            kwargs = {}
            if isinstance(cell, Layer) and cell._call_has_training_arg:
                kwargs["training"] = training
            inputs, cell_states = cell(inputs, cell_states, **kwargs)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            new_states.append(cell_states if is_list or len(cell_states) != 1
                              else cell_states[0])
        return inputs, new_states

    def get_config(self):
        from lamina.saving import serialization

        config = super().get_config()
        config["cells"] = [serialization.serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving import serialization

        config = dict(config)
        cells = [serialization.deserialize_keras_object(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)
