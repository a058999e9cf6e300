"""A ``Node`` records one call of a layer on symbolic tensors: the Functional graph's edges."""

from lamina import tree
from lamina.backend import KerasTensor


class Node:
    """One layer call in a Functional graph.

    Args:
        layer: the layer that was called.
        call_args: the positional arguments, possibly holding KerasTensors.
        call_kwargs: the keyword arguments, possibly holding KerasTensors.
        outputs: the KerasTensor (or structure of them) the call returned.
    """

    def __init__(self, layer, call_args=(), call_kwargs=None, outputs=None):
        self.layer = layer
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = outputs
        flat = tree.flatten((self.call_args, self.call_kwargs))
        self.input_tensors = [t for t in flat if isinstance(t, KerasTensor)]
        self.output_tensors = [t for t in tree.flatten(outputs) if isinstance(t, KerasTensor)]
        node_index = len(layer._inbound_nodes)
        for i, tensor in enumerate(self.output_tensors):
            tensor._history = (layer, node_index, i)
        layer._inbound_nodes.append(self)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        parents = []
        for tensor in self.input_tensors:
            layer, node_index, _ = tensor._history
            parents.append(layer._inbound_nodes[node_index])
        return parents

    def run(self, values):
        """Call the layer with KerasTensors replaced by ``values[id(tensor)]``."""

        def fill(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        args = tree.map_structure(fill, self.call_args) if self.call_args else ()
        kwargs = tree.map_structure(fill, self.call_kwargs) if self.call_kwargs else {}
        return self.layer(*args, **kwargs)
