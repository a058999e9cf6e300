"""torch export: a lamina model to an ONNX file, through ``torch.onnx.export``.

The model (already a ``torch.nn.Module``) is wrapped in a small module whose ``forward``
calls it in inference mode on positional tensors and returns a flat tuple, which is what
the exporter traces. The dynamo-based exporter (``torch.export`` + onnxscript) is used:
the older TorchScript exporter mistranslates some permutations lamina's convolutions use.
"""

import contextlib
import logging
import os
import warnings

import torch

from lamina.backend.torch.core import to_torch_dtype

# Sizes given to unknown dimensions in the example inputs: distinct and above 1, so that
# torch.export neither specializes them (0 and 1 are special) nor ties them together.
_EXAMPLE_SIZES = (2, 3, 5, 7, 11, 13)

_NEEDS_ONNXSCRIPT = (
    "model.export(format='onnx') needs the `onnx` and `onnxscript` packages (torch's ONNX "
    "exporter uses them): pip install onnx onnxscript. ({error})"
)
_EXPORT_FAILED = (
    "model.export(format='onnx'): torch could not export the model ({kind}: {error}). "
    "Check that the model runs on inputs shaped like {shapes}; pass input_signature= to give "
    "other shapes, or fixed sizes for dimensions that cannot vary."
)


class _InferenceModule(torch.nn.Module):
    """Calls a lamina model with ``training=False`` and returns its outputs as a tuple."""

    def __init__(self, model, structure, names):
        super().__init__()
        self.model = model
        self._structure = structure
        self._names = names

    def forward(self, *tensors):
        if self._structure == "single":
            inputs = tensors[0]
        elif self._structure == "dict":
            inputs = dict(zip(self._names, tensors))
        else:
            inputs = list(tensors)
        outputs = self.model(inputs, training=False)
        if isinstance(outputs, dict):  # in sorted key order, as Keras flattens dicts
            return tuple(outputs[k] for k in sorted(outputs))
        if isinstance(outputs, (list, tuple)):
            return tuple(outputs)
        return (outputs,)


def _example(shape, dtype):
    sizes = iter(_EXAMPLE_SIZES)
    concrete = [next(sizes, 17) if d is None else int(d) for d in shape]
    return torch.zeros(concrete, dtype=to_torch_dtype(dtype))


def _dynamic_shapes(specs):
    """torch.export's ``dynamic_shapes``: one Dim per unknown dimension (the batch shared)."""
    shapes, dims_by_name = [], {}
    for index, spec in enumerate(specs):
        dims = {}
        for axis, d in enumerate(spec["shape"]):
            if d is None:
                name = "batch" if axis == 0 else f"input{index}_dim{axis}"
                dims[axis] = dims_by_name.setdefault(name, torch.export.Dim(name, min=1))
        shapes.append(dims or None)
    # forward(*tensors) takes one varargs tuple, so the shapes nest one level down.
    return (tuple(shapes),)


@contextlib.contextmanager
def _quiet_exporter():
    # The exporter logs a warning per optional torchvision op it cannot find, and torch's
    # internals raise deprecation notices about themselves: none is the user's to act on.
    logger = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.onnx")
            yield
    finally:
        logger.setLevel(level)


def export_onnx(model, filepath, specs, structure, output_names=None, opset_version=None,
                verbose=None):
    """Write ``model`` as an ONNX file that onnxruntime can run.

    Args:
        model: a built lamina model (a ``torch.nn.Module`` on this backend).
        filepath: where to write the ``.onnx`` file.
        specs: one dict per input, in order, with ``"name"``, ``"shape"`` (None for a
            dimension that may vary: it stays symbolic in the file) and ``"dtype"``.
        structure: how the model takes its inputs: ``"single"``, ``"list"`` or ``"dict"``.
        output_names: names for the outputs in the file (None: ``output_0``, ...).
        opset_version: the ONNX opset (None: the exporter's default).
        verbose: print the exporter's progress.

    Returns:
        None; the file is written at ``filepath``.

    Example:
        >>> export_onnx(model, "mlp.onnx", [{"name": "x", "shape": (None, 4),
        ...             "dtype": "float32"}], "single")
    """
    try:
        import onnxscript  # noqa: F401 (the exporter needs it; fail early and clearly)
    except ImportError as error:
        raise ImportError(_NEEDS_ONNXSCRIPT.format(error=error)) from None
    module = _InferenceModule(model, structure, [s["name"] for s in specs]).eval()
    examples = tuple(_example(s["shape"], s["dtype"]) for s in specs)
    with torch.no_grad():
        outputs = module(*examples)
    names = list(output_names or [])
    if len(names) != len(outputs):
        names = [f"output_{i}" for i in range(len(outputs))]
    filepath = os.fspath(filepath)
    folder = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(folder, exist_ok=True)

    def run(dynamic_shapes):
        with _quiet_exporter(), torch.no_grad():
            torch.onnx.export(
                module, examples, filepath, dynamo=True, external_data=False,
                input_names=[s["name"] for s in specs], output_names=names,
                dynamic_shapes=dynamic_shapes, opset_version=opset_version,
                verbose=bool(verbose), report=False, optimize=True)

    dynamic = _dynamic_shapes(specs)
    try:
        try:
            run(dynamic)
        except Exception as error:
            if not any(dynamic[0]):
                raise
            # Some models tie a dimension to its example size (a reshape by a fixed count):
            # export with the example sizes fixed rather than fail.
            warnings.warn(
                f"model.export(format='onnx'): the model could not be exported with "
                f"dimensions of unknown size left variable ({type(error).__name__}); the "
                f"file fixes them to {[tuple(e.shape) for e in examples]}. Pass "
                "input_signature= with the sizes you need.", stacklevel=3)
            run(None)
    except Exception as error:
        shapes = [tuple(s["shape"]) for s in specs]
        raise RuntimeError(_EXPORT_FAILED.format(kind=type(error).__name__,
                                                 error=str(error)[:2000],
                                                 shapes=shapes)) from error
