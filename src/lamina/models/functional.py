"""``Functional``: a model defined by a graph of layer calls on symbolic tensors.

``Model(inputs, outputs)`` walks the graph back from ``outputs`` to ``inputs`` once, orders
the nodes so every node comes after the nodes it reads, and replays them on real data.
"""

from lamina import backend
from lamina import tree
from lamina.backend import KerasTensor
from lamina.layers.core.input_layer import InputLayer
from lamina.layers.layer import call_plain
from lamina.layers.layer import call_plain_many
from lamina.layers.layer import plain_call_many_ready
from lamina.layers.layer import plain_call_ready
from lamina.layers.layer import remember_plain_call
from lamina.layers.layer import remember_plain_call_many
from lamina.models.model import Model

_WRONG_INPUT_COUNT = (
    'Model "{name}" expects {expected} input(s) ({names}), but it received {given} input '
    "tensor(s). Pass one array per model input, as a list in the order of the model's "
    "inputs or as a dict keyed by input name."
)


def _node_of(tensor):
    layer, node_index, _ = tensor._history
    return layer._inbound_nodes[node_index]


def _topological_nodes(input_tensors, output_tensors):
    """The nodes between inputs and outputs, each after the nodes it depends on."""
    input_ids = {id(t) for t in input_tensors}
    order, done, visiting = [], set(), set()

    def visit(tensor):
        if id(tensor) in input_ids:
            return
        if tensor._history is None:
            raise ValueError(
                f"The symbolic tensor {tensor} was not produced by a layer called on the "
                "model's inputs. Build the outputs from lamina.Input tensors by calling "
                "layers on them."
            )
        node = _node_of(tensor)
        if id(node) in done:
            return
        if id(node) in visiting:
            raise ValueError("The layer graph has a cycle; a Functional model must be acyclic.")
        if isinstance(node.layer, InputLayer):
            raise ValueError(
                f"Graph disconnected: the output depends on input {tensor.name!r}, which is "
                "not among the `inputs` given to Model(). Add it to the model's inputs."
            )
        visiting.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        visiting.discard(id(node))
        done.add(id(node))
        order.append(node)

    for tensor in output_tensors:
        visit(tensor)
    return order


def _keras_layer_order(input_tensors, output_tensors):
    """The graph's layers in the order Keras's Functional lists them.

    Keras sorts layers by depth, the longest path from the layer to an output (deepest,
    i.e. the inputs, first), and layers of equal depth by when a walk from the outputs,
    parents in argument order, first meets them. Keras numbers weight groups and reads
    legacy files in this order, so ``Functional.layers`` follows it (a branched graph such
    as a ResNet's projection shortcut differs from a plain topological order).

    Args:
        input_tensors: the model's symbolic inputs (a list).
        output_tensors: its symbolic outputs (a list).

    Returns:
        The layers, input layers included, in Keras's order.
    """
    input_ids = {id(t) for t in input_tensors}
    first_seen, finished, parents_of = {}, [], {}

    # 1. Walk from the outputs: number the layers as first met, list the nodes as finished.
    # An explicit stack, not recursion: the deepest networks are longer than Python's
    # recursion limit.
    stack = [(tensor, False) for tensor in reversed(output_tensors)]
    while stack:
        tensor, is_done = stack.pop()
        layer, node_index, _ = tensor._history
        node = layer._inbound_nodes[node_index]
        if is_done:
            finished.append((node, parents_of[id(node)]))
            continue
        if id(node) in parents_of:
            continue
        first_seen.setdefault(id(layer), (len(first_seen), layer))
        parents = [] if id(tensor) in input_ids else list(node.input_tensors)
        parents_of[id(node)] = parents
        stack.append((tensor, True))
        stack.extend((parent, False) for parent in reversed(parents))

    # 2. Depths, outputs first: a parent lies at least one deeper than each of its children;
    # a layer takes the depth of its deepest node.
    node_depth, layer_depth = {}, {}
    for node, parents in reversed(finished):
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        node_depth[id(node)] = layer_depth[id(node.layer)] = depth
        for parent in parents:
            layer, node_index, _ = parent._history
            key = id(layer._inbound_nodes[node_index])
            node_depth[key] = max(node_depth.get(key, 0), depth + 1)
    # 3. Deepest first; ties by first meeting.
    ranked = sorted(first_seen.values(), key=lambda item: (-layer_depth[id(item[1])], item[0]))
    return [layer for _, layer in ranked]


class Functional(Model):
    """A model built from ``inputs`` and ``outputs`` symbolic tensors.

    Args:
        inputs: a KerasTensor from ``lamina.Input``, or a list or dict of them.
        outputs: the KerasTensor(s) computed from ``inputs`` (single, list or dict).
        name: the model name.

    Example:
        >>> a = lamina.Input((4,), name="a")
        >>> b = lamina.Input((2,), name="b")
        >>> h = lamina.layers.Concatenate()([a, b])
        >>> model = lamina.Model([a, b], lamina.layers.Dense(1)(h))
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, dict):
            for key, tensor in inputs.items():
                if isinstance(tensor, KerasTensor) and tensor.name != key:
                    # Keras matches dict inputs by key; keep the key as the tensor's name.
                    tensor.name = key
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._input_tensors = tree.flatten(inputs)
        self._output_tensors = tree.flatten(outputs)
        for tensor in self._input_tensors + self._output_tensors:
            if not isinstance(tensor, KerasTensor):
                raise TypeError(
                    f"Model inputs and outputs must be symbolic tensors (from lamina.Input "
                    f"and layer calls), got {type(tensor).__name__}. To wrap a Python "
                    "callable, subclass lamina.Model instead."
                )
        for tensor in self._input_tensors:
            if tensor._history is None:
                # A bare KerasTensor (lamina.KerasTensor(shape)) as an input, as Keras
                # allows: give it the InputLayer that lamina.Input would have made.
                from lamina.layers.core.input_layer import InputLayer

                InputLayer(input_tensor=tensor, dtype=tensor.dtype,
                           name=tensor.name or None)
        self._nodes = _topological_nodes(self._input_tensors, self._output_tensors)
        # Keras's order (by depth; see _keras_layer_order), after any input the outputs do
        # not use.
        ordered = _keras_layer_order(self._input_tensors, self._output_tensors)
        known = {id(layer) for layer in ordered}
        layers = [t._history[0] for t in self._input_tensors if id(t._history[0]) not in known]
        layers += ordered
        self._explicit_layers = layers
        for layer in layers:
            self._backend_track_layer(layer)
        self.built = True

    # -- structure -----------------------------------------------------------------------
    @property
    def layers(self):
        """The model's layers in graph order, input layers included (as in Keras)."""
        return list(self._explicit_layers)

    @property
    def inputs(self):
        """The model's symbolic inputs, as a flat list."""
        return list(self._input_tensors)

    @property
    def outputs(self):
        """The model's symbolic outputs, as a flat list."""
        return list(self._output_tensors)

    @property
    def input(self):
        """The symbolic input(s), in the structure given to ``Model``."""
        return self._inputs_struct

    @property
    def output(self):
        """The symbolic output(s), in the structure given to ``Model``."""
        return self._outputs_struct

    @property
    def input_names(self):
        """Names of the input layers."""
        return [t._history[0].name for t in self._input_tensors]

    @property
    def output_names(self):
        """Names of the layers producing each output (dict keys for dict outputs)."""
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t._history[0].name for t in self._output_tensors]

    @property
    def input_shape(self):
        """The input shape(s) with None for the batch size."""
        shapes = [t.shape for t in self._input_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        """The output shape(s)."""
        shapes = [t.shape for t in self._output_tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    # -- running -------------------------------------------------------------------------
    def _flatten_call_inputs(self, inputs):
        """Match user inputs to the model's input tensors, in order."""
        expected = len(self._input_tensors)
        if isinstance(inputs, dict) and (
            isinstance(self._inputs_struct, dict) or expected > 1 or
            set(inputs) & set(self.input_names)
        ):
            names = [t.name or t._history[0].name for t in self._input_tensors]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f'Model "{self.name}" is missing input(s) {missing}; it received the '
                    f"keys {sorted(inputs)}. Expected keys: {names}."
                )
            return [inputs[n] for n in names]
        flat = tree.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != expected:
            raise ValueError(_WRONG_INPUT_COUNT.format(
                name=self.name, expected=expected, names=self.input_names, given=len(flat)))
        return flat

    def _standardize_input(self, value, tensor):
        value = self._convert_input(value) if not backend.is_tensor(value) else value
        if not backend.is_tensor(value):
            value = backend.convert_to_tensor(value)
        # Integer inputs (e.g. token ids) keep their dtype; floats follow the Input dtype.
        if backend.is_float_dtype(tensor.dtype) and backend.dtype_of(value) != tensor.dtype:
            value = backend.cast(value, tensor.dtype)
        expected = tensor.shape
        ndim = len(value.shape)
        # Keras accepts data of rank one less than the Input when the Input's last dim is 1.
        if ndim == len(expected) - 1 and expected[-1] == 1:
            value = backend.numpy.expand_dims(value, -1)
        elif ndim == len(expected) + 1 and value.shape[-1] == 1 and len(expected) > 0:
            value = backend.numpy.squeeze(value, -1)
        shape = tuple(value.shape)
        if len(shape) != len(expected) or any(
            e is not None and e != s for e, s in zip(expected[1:], shape[1:])
        ):
            raise ValueError(
                f'Input "{tensor.name or tensor._history[0].name}" of model "{self.name}" '
                f"expects shape {expected}, but it received data of shape {shape}. Reshape "
                "the data, or change the Input's shape."
            )
        return value

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_call_inputs(inputs)
        input_masks = tree.flatten(mask) if isinstance(mask, (list, tuple)) else [mask]
        if len(input_masks) != len(flat):
            input_masks = [None] * len(flat)
        values, masks = {}, {}
        for tensor, value, value_mask in zip(self._input_tensors, flat, input_masks):
            value_mask = value_mask if value_mask is not None else \
                getattr(value, "_keras_mask", None)
            values[id(tensor)] = self._standardize_input(value, tensor)
            if value_mask is not None:
                masks[id(tensor)] = value_mask
        for node in self._nodes:
            single = node.single_input
            if single is not None and masks.get(id(single)) is None:
                # ``layer(x)``: as in a Sequential, once a full call with an input of this
                # type, shape and dtype showed nothing to add around ``call`` (no mask, no
                # conversion, no autocast, no activity regularizer), ``call`` runs directly.
                x = values[id(single)]
                if plain_call_ready(node.layer, x):
                    outputs = call_plain(node.layer, x)
                else:
                    outputs = node.run(values, masks)
                    remember_plain_call(node.layer, x)
            elif node.plain_inputs is not None and not (masks and any(
                    masks.get(id(t)) is not None for t in node.plain_inputs[0])):
                # ``layer([a, b])`` / ``layer(a, b)``: the same shortcut for several tensors.
                tensors, as_list = node.plain_inputs
                xs = [values[id(t)] for t in tensors]
                if plain_call_many_ready(node.layer, xs):
                    outputs = call_plain_many(node.layer, xs, as_list)
                else:
                    outputs = node.run(values, masks)
                    remember_plain_call_many(node.layer, xs)
            else:
                outputs = node.run(values, masks)
            for tensor, value in zip(node.output_tensors, tree.flatten(outputs)):
                values[id(tensor)] = value
        self.__dict__["_output_masks"] = [masks.get(id(t)) for t in self._output_tensors]
        return tree.map_structure(lambda t: values[id(t)], self._outputs_struct)

    def compute_mask(self, inputs, previous_mask=None):
        """The output masks of the last call (one per output; None where unmasked)."""
        masks = getattr(self, "_output_masks", None)
        if not masks or all(m is None for m in masks):
            return None
        return masks[0] if len(masks) == 1 else masks

    def _convert_input(self, x):
        if x is None or backend.is_tensor(x) or isinstance(x, KerasTensor):
            return x
        if isinstance(x, backend.BaseVariable):
            return x.value
        return backend.convert_to_tensor(x)

    def _check_input_spec(self, first):
        return None

    def compute_output_spec(self, *args, **kwargs):
        from lamina.layers.layer import run_on_placeholders

        return run_on_placeholders(self, args, kwargs)

    def get_config(self):
        """The model's name and layer graph, in Keras's Functional config layout."""
        from lamina.models.functional_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a Functional model from :meth:`get_config`'s output."""
        from lamina.models.functional_config import functional_from_config

        return functional_from_config(config, custom_objects=custom_objects)
