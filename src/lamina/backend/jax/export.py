"""JAX export: ONNX files are written by the torch backend only.

``jax2onnx``-style conversion is not part of lamina; a model trained on JAX moves to torch
through a ``.keras`` file (weights are engine-independent) and is exported there.
"""

_ONNX_NEEDS_TORCH = (
    "model.export(format='onnx') needs the torch backend: lamina writes ONNX files with "
    "torch's exporter, and the active backend is JAX. To export a model trained on JAX: "
    "model.save('model.keras'), then in a process started with LAMINA_BACKEND=torch: "
    "lamina.models.load_model('model.keras').export('model.onnx', format='onnx')."
)


def export_onnx(model, filepath, specs, structure, output_names=None, opset_version=None,
                verbose=None):
    """Refuse: ONNX export runs on the torch backend (see the error for the workflow).

    Raises:
        RuntimeError: always, explaining how to export from the torch backend.

    Example:
        >>> export_onnx(model, "m.onnx", specs, "single")  # RuntimeError on JAX
    """
    raise RuntimeError(_ONNX_NEEDS_TORCH)
