"""``Function`` (``keras.Function``): a graph of operations from symbolic inputs to
symbolic outputs, applied to new inputs."""

import abc

from lamina import tree


class Function(metaclass=abc.ABCMeta):  # noqa: B024 (ABCMeta: Functional registers)
    """The computation linking symbolic ``inputs`` to symbolic ``outputs``, reusable on
    new values: ``Function(inputs, outputs)(values)``. Like a Functional model without the
    model API (no training, no weights of its own to save). Functional models are Functions.

    Args:
        inputs: a ``KerasTensor`` (``lamina.Input`` or ``lamina.KerasTensor(shape)``) or a
            structure (list, dict) of them.
        outputs: a ``KerasTensor`` or structure of them, computed from ``inputs`` with
            layers, ``lamina.ops`` or operators.
        name: the function's name.

    Example:
        >>> a = lamina.KerasTensor((None, 2, 3))
        >>> b = lamina.KerasTensor((None, 2, 3))
        >>> fn = lamina.Function([a, b], lamina.ops.sigmoid(a + b))
        >>> fn([np.ones((4, 2, 3)), np.ones((4, 2, 3))]).shape
        (4, 2, 3)
    """

    def __init__(self, inputs, outputs, name=None):
        from lamina.models.functional import Functional

        self._graph = Functional(inputs, outputs, name=name)
        self.name = self._graph.name
        self._inputs_struct = inputs
        self._outputs_struct = outputs

    @property
    def inputs(self):
        """The flat list of input ``KerasTensor`` objects."""
        return tree.flatten(self._inputs_struct)

    @property
    def outputs(self):
        """The flat list of output ``KerasTensor`` objects."""
        return tree.flatten(self._outputs_struct)

    @property
    def input(self):
        """The inputs in the structure they were given."""
        return self._inputs_struct

    @property
    def output(self):
        """The outputs in the structure they were given."""
        return self._outputs_struct

    @property
    def operations(self):
        """The operations (layers, ops) of the graph, inputs first, in call order."""
        return list(self._graph.layers)

    def call(self, inputs):
        """Run the graph on ``inputs`` (values in the structure of ``self.input``)."""
        return self._graph(inputs)

    def __call__(self, inputs):
        return self.call(inputs)

    def compute_output_spec(self, inputs):
        """The outputs (``KerasTensor`` objects) for symbolic ``inputs``."""
        return self._graph.compute_output_spec(inputs)

    def compute_output_shape(self, input_shape):
        """The output shapes for ``input_shape``."""
        return self._graph.compute_output_shape(input_shape)

    def get_config(self):
        """The graph's config (as a Functional model's)."""
        return self._graph.get_config()

    def __repr__(self):
        return f"<Function name={self.name}>"


def _register_functional():
    from lamina.models.functional import Functional

    Function.register(Functional)
