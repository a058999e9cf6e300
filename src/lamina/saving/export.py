"""``model.export``: inference artifacts for other runtimes (ONNX).

This module turns the model's inputs (or ``input_signature``) into plain specs and checks
the format; the active backend's ``export`` module writes the file (torch: through
``torch.onnx.export``; JAX: a clear error naming the workflow through the torch backend).
"""

import os

from lamina import backend

_FORMATS = ("onnx",)
_UNSUPPORTED_FORMAT = (
    "model.export: format={format!r} is not supported by lamina. Supported: {formats}. "
    "{hint}"
)
_TF_HINT = (
    "lamina runs on torch or JAX, not TensorFlow, so it writes no TF SavedModel (Keras's "
    "default format); export ONNX with model.export(path, format='onnx') on the torch "
    "backend, which onnxruntime, TensorRT, OpenVINO and most serving stacks run."
)
_NO_SIGNATURE = (
    "model.export: the input shapes of model {name!r} are unknown (a subclassed model that "
    "has not been called). Pass input_signature=, e.g. "
    "input_signature=[lamina.layers.InputSpec(shape=(None, 784), dtype='float32')], or call the "
    "model on a batch first."
)
_BAD_SPEC = (
    "model.export: each input_signature entry must be a lamina.InputSpec, a KerasTensor "
    "(lamina.Input(...)), an array or a shape tuple; got {value!r}. InputSpec entries need a "
    "shape."
)


def export_model(model, filepath, format="tf_saved_model", verbose=None,
                 input_signature=None, **kwargs):
    """Write ``model`` for inference elsewhere; see ``Model.export``.

    Args:
        model: a lamina model.
        filepath: where to write the file (``model.onnx``).
        format: ``"onnx"``; Keras's other formats raise a ValueError explaining why.
        verbose: print the exporter's progress.
        input_signature: the inputs' shapes and dtypes: a structure (single, list or dict,
            as the model takes them) of ``InputSpec``, ``KerasTensor``, arrays or shape
            tuples. None takes the model's own inputs; a ``None`` dimension stays variable.
        **kwargs: ``opset_version`` (an int) for ONNX.

    Raises:
        ValueError: for an unsupported format or unknown input shapes.

    Example:
        >>> export_model(model, "model.onnx", format="onnx")
    """
    if format not in _FORMATS:
        hint = _TF_HINT if format == "tf_saved_model" else ""
        raise ValueError(_UNSUPPORTED_FORMAT.format(format=format, formats=", ".join(
            repr(f) for f in _FORMATS), hint=hint).strip())
    opset_version = kwargs.pop("opset_version", None)
    if kwargs:
        raise TypeError(f"model.export got unexpected keyword argument(s) {sorted(kwargs)} "
                        "for format='onnx'; it accepts opset_version.")
    specs, structure = input_specs(model, input_signature)
    output_names = _output_names(model)
    backend.export.export_onnx(model, os.fspath(filepath), specs, structure,
                               output_names=output_names, opset_version=opset_version,
                               verbose=verbose)


def input_specs(model, input_signature=None):
    """``(specs, structure)``: one ``{"name", "shape", "dtype"}`` per input, in the order
    the model takes them, and ``"single"``, ``"list"`` or ``"dict"``.

    Example:
        >>> input_specs(lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)]))[1]
        'single'
    """
    if input_signature is None:
        input_signature = _model_inputs(model)
        if input_signature is None:
            raise ValueError(_NO_SIGNATURE.format(name=model.name))
    if isinstance(input_signature, dict):
        # The dict's keys are the model's input names; keep them as the file's names.
        return [dict(_spec(v, k), name=k) for k, v in input_signature.items()], "dict"
    if isinstance(input_signature, (list, tuple)) and input_signature and \
            not all(isinstance(d, int) or d is None for d in input_signature):
        if len(input_signature) == 1 and not _takes_list(model):
            specs, structure = [_spec(input_signature[0], "input_0")], "single"
        else:
            specs = [_spec(s, f"input_{i}") for i, s in enumerate(input_signature)]
            structure = "list"
    else:
        specs, structure = [_spec(input_signature, "input_0")], "single"
    if len({s["name"] for s in specs}) < len(specs):  # ONNX needs distinct input names
        specs = [dict(s, name=f"input_{i}") for i, s in enumerate(specs)]
    return specs, structure


def _takes_list(model):
    struct = getattr(model, "_inputs_struct", None)
    return isinstance(struct, (list, tuple))


def _model_inputs(model):
    """The model's symbolic input structure, or specs from its build shape, or None."""
    struct = getattr(model, "_inputs_struct", None)
    if struct is not None:
        return struct
    try:
        inputs = getattr(model, "inputs", None)
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        return inputs[0] if len(inputs) == 1 else list(inputs)
    shape = getattr(model, "_build_input_shape", None)
    return None if shape is None else _shapes_to_tensors(shape)


def _shapes_to_tensors(shape):
    if isinstance(shape, dict):
        return {k: _shapes_to_tensors(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [_shapes_to_tensors(s) for s in shape]
    return backend.KerasTensor(tuple(shape))


def _spec(value, default_name):
    shape = getattr(value, "shape", value)
    if not isinstance(shape, (tuple, list)) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
            for d in shape):
        raise ValueError(_BAD_SPEC.format(value=value))
    shape = tuple(shape)
    dtype = backend.standardize_dtype(getattr(value, "dtype", None) or backend.floatx())
    name = getattr(value, "name", None)
    name = name if isinstance(name, str) and name.isidentifier() else default_name
    return {"name": name, "shape": shape, "dtype": dtype}


def _output_names(model):
    try:
        names = list(getattr(model, "output_names", None) or [])
    except (AttributeError, ValueError):
        names = []
    if names and len(set(names)) == len(names) and all(isinstance(n, str) for n in names):
        return names
    return None
