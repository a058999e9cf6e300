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
        # The one symbolic input of a call like ``layer(x)`` (no other arguments), else None:
        # such calls may skip the per-call checks once they are known to add nothing.
        self.single_input = self.call_args[0] if len(self.call_args) == 1 and \
            not self.call_kwargs and isinstance(self.call_args[0], KerasTensor) else None
        # ``layer([a, b])`` or ``layer(a, b)`` on KerasTensors only, no keywords:
        # ``(tensors, as_list)``, for the same direct-call shortcut (else None).
        self.plain_inputs = None
        if not self.call_kwargs and self.call_args:
            args = self.call_args
            if len(args) == 1 and type(args[0]) is list and len(args[0]) > 1 and \
                    all(isinstance(t, KerasTensor) for t in args[0]):
                self.plain_inputs = (tuple(args[0]), True)
            elif len(args) > 1 and all(isinstance(t, KerasTensor) for t in args):
                self.plain_inputs = (tuple(args), False)
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

    def run(self, values, masks):
        """Call the layer with KerasTensors replaced by ``values[id(tensor)]``.

        The input tensors' masks (``masks[id(tensor)]``) are passed as ``mask=`` to a layer
        whose ``call`` takes one; the output masks are written back into ``masks``.
        """

        args = tuple(_fill(a, values) for a in self.call_args)
        kwargs = {k: _fill(v, values) for k, v in self.call_kwargs.items()} \
            if self.call_kwargs else {}
        layer = self.layer
        if "training" in kwargs:
            # A `training` recorded when the graph was built (Keras files hold
            # training=True for augmentation layers) gives way to the model call's own, as
            # in Keras: model(x, training=False) runs every layer in inference mode.
            from lamina.layers.layer import current_training

            outer = current_training()
            if outer is not None:
                kwargs["training"] = outer
        in_masks = [masks.get(id(t)) for t in self.input_tensors]
        if any(m is not None for m in in_masks) and kwargs.get("mask") is None:
            key = "mask" if layer._call_has_mask_arg else "_previous_mask"
            kwargs[key] = in_masks[0] if len(in_masks) == 1 else in_masks
        outputs = layer(*args, **kwargs)
        out_mask = layer._last_output_mask
        leaves = self.output_tensors
        if out_mask is not None:
            per_output = out_mask if isinstance(out_mask, (list, tuple)) and \
                len(out_mask) == len(leaves) else [out_mask] * len(leaves)
            for tensor, mask in zip(leaves, per_output):
                masks[id(tensor)] = mask
        return outputs


def _fill(x, values):
    """``x`` with each KerasTensor replaced by its value (``values[id(tensor)]``), lists,
    tuples and dicts rebuilt: ``tree.map_structure`` for the shapes layer arguments take,
    without its flatten-and-rebuild (this runs for every node of every model call)."""
    cls = type(x)
    if cls is KerasTensor or isinstance(x, KerasTensor):
        return values[id(x)]
    if cls is list:
        return [_fill(v, values) for v in x]
    if cls is tuple:
        return tuple(_fill(v, values) for v in x)
    if cls is dict:
        return {k: _fill(v, values) for k, v in x.items()}
    if isinstance(x, (list, tuple, dict)):  # namedtuples, dict subclasses: the general path
        return tree.map_structure(lambda v: values[id(v)] if isinstance(v, KerasTensor)
                                  else v, x)
    return x
