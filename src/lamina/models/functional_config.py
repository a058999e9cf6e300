"""A Functional model's graph as Keras 3's config dict, and back.

The config lists each layer with ``inbound_nodes``: the arguments of each call, where a
symbolic tensor is written ``{"class_name": "__keras_tensor__", "config": {"shape",
"dtype", "keras_history": [layer_name, node_index, tensor_index]}}``. Rebuilding replays the
calls in order once their inputs exist.
"""

from lamina import tree
from lamina.backend import KerasTensor
from lamina.saving.serialization import deserialize_keras_object
from lamina.saving.serialization import serialize_keras_object


def _history_of(tensor, model_nodes):
    layer, node_index, tensor_index = tensor._history
    # Number the nodes as the saved model sees them: only nodes inside this model count.
    own = [n for n in layer._inbound_nodes if id(n) in model_nodes]
    node = layer._inbound_nodes[node_index]
    index = own.index(node) if node in own else node_index
    return [layer.name, index, tensor_index]


def _tensor_config(tensor, model_nodes):
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": list(tensor.shape), "dtype": tensor.dtype,
                   "keras_history": _history_of(tensor, model_nodes)},
    }


def _encode(value, model_nodes):
    if isinstance(value, KerasTensor):
        return _tensor_config(value, model_nodes)
    if isinstance(value, (list, tuple)):
        return [_encode(v, model_nodes) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v, model_nodes) for k, v in value.items()}
    if isinstance(value, slice):
        return {"class_name": "__slice__",
                "config": {"start": value.start, "stop": value.stop, "step": value.step}}
    return value


def _io_spec(structure, model_nodes):
    def one(tensor):
        return _history_of(tensor, model_nodes)

    if isinstance(structure, KerasTensor):
        return one(structure)
    if isinstance(structure, dict):
        return {k: one(v) for k, v in structure.items()}
    return [one(t) for t in structure]


def functional_config(model):
    """The Keras-style config of a Functional ``model``."""
    model_nodes = {id(n) for n in model._nodes}
    for tensor in model._input_tensors:
        layer, node_index, _ = tensor._history
        model_nodes.add(id(layer._inbound_nodes[node_index]))
    layers = []
    for layer in model.layers:
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        nodes = [n for n in layer._inbound_nodes if id(n) in model_nodes]
        entry["inbound_nodes"] = [
            {"args": _encode(list(n.call_args), model_nodes),
             "kwargs": _encode(n.call_kwargs, model_nodes)}
            for n in nodes if n.call_args or n.call_kwargs
        ]
        layers.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": _io_spec(model._inputs_struct, model_nodes),
        "output_layers": _io_spec(model._outputs_struct, model_nodes),
    }


def _is_history(value):
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def is_functional_config(config):
    """Whether ``config`` describes a layer graph (Keras's Functional layout)."""
    return isinstance(config, dict) and all(
        key in config for key in ("layers", "input_layers", "output_layers"))


def functional_from_config(config, custom_objects=None, model_class=None):
    """Rebuild a Functional model from :func:`functional_config`'s output.

    Args:
        config: the config dict.
        custom_objects: extra names for custom layers.
        model_class: a Model subclass to build with ``model_class(inputs=, outputs=,
            name=)`` instead of ``Functional``.
    """
    from lamina.models.functional import Functional

    layers = {}
    pending = []
    for entry in config["layers"]:
        layer = deserialize_keras_object(entry, custom_objects=custom_objects)
        name = entry.get("name", layer.name)
        layers[name] = layer
        pending.append((name, layer, list(entry.get("inbound_nodes", []))))
    produced = {}  # (layer name, node index) -> flat output tensors
    for name, layer, _ in pending:
        if type(layer).__name__ == "InputLayer":
            produced[(name, 0)] = [layer.output]

    def decode(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            layer_name, node_index, tensor_index = value["config"]["keras_history"]
            outputs = produced.get((layer_name, node_index))
            if outputs is None:
                raise KeyError((layer_name, node_index))
            return outputs[tensor_index]
        if isinstance(value, dict) and value.get("class_name") == "__slice__":
            c = value["config"]
            return slice(c["start"], c["stop"], c["step"])
        if isinstance(value, list):
            return [decode(v) for v in value]
        if isinstance(value, dict):
            return {k: decode(v) for k, v in value.items()}
        return value

    progress = True
    while progress:
        progress = False
        for name, layer, nodes in pending:
            done = sum(1 for key in produced if key[0] == name)
            if type(layer).__name__ == "InputLayer":
                continue
            while done < len(nodes):
                node = nodes[done]
                try:
                    args = decode(node.get("args", []))
                    kwargs = decode(node.get("kwargs", {}))
                except KeyError:
                    break
                outputs = layer(*args, **kwargs)
                produced[(name, done)] = tree.flatten(outputs)
                done += 1
                progress = True
    missing = [name for name, layer, nodes in pending
               if type(layer).__name__ != "InputLayer"
               and sum(1 for key in produced if key[0] == name) < len(nodes)]
    if missing:
        raise ValueError(
            f"Could not rebuild the Functional model {config.get('name')!r}: the inputs of "
            f"layers {missing} were never produced. The config is incomplete or corrupted."
        )

    def resolve(spec):
        if _is_history(spec):
            return produced[(spec[0], spec[1])][spec[2]]
        if isinstance(spec, dict):
            return {k: resolve(v) for k, v in spec.items()}
        return [resolve(s) for s in spec]

    inputs = resolve(config["input_layers"])
    outputs = resolve(config["output_layers"])
    # As Keras 3 does: a one-element list (all Keras 2 configs write lists) is one tensor.
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    if model_class is not None:
        model = model_class(inputs=inputs, outputs=outputs, name=config.get("name"))
        model.trainable = config.get("trainable", True)
        return model
    return Functional(inputs, outputs, name=config.get("name"),
                      trainable=config.get("trainable", True))
