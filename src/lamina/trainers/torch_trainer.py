"""torch step functions: the shared ``train_step`` runs eagerly with autograd.

Evaluation runs under ``torch.no_grad()``, prediction under ``torch.inference_mode()`` (as
a hand-written inference loop does). With ``jit_compile=True`` the step is handed to
``torch.compile`` after a first eager call (which creates lazily built state, such as
optimizer slots, so the compiled graph does not have to); ``"auto"`` stays eager, which on
CPU is the faster choice for the per-step sizes Keras models usually have.
"""

import warnings

import torch

from lamina import backend
from lamina import tree

# Steps run as Python calls: a step's logs can be read from the metrics after it returns
# (the trainer hands back lazy logs then).
STEPS_RUN_IN_PYTHON = True


def predict_output_to_keep(output):
    """What ``predict`` keeps of one batch's output until the end: tensors in host memory
    as NumPy copies, others (GPU) as they are, so nothing waits for the device per batch.

    Kept CPU tensors would interleave small long-lived blocks with every batch's large
    temporaries, and the heap would grow by about one batch per step (measured: +220 MiB
    over one pass of the mlp benchmark); NumPy copies do not.
    """
    if isinstance(output, torch.Tensor):
        if output.device.type not in HOST_DEVICES:
            return output
        if output.dtype == torch.bfloat16:
            output = output.float()
        return output.detach().numpy().copy()
    if isinstance(output, (list, tuple, dict)):
        return tree.map_structure(predict_output_to_keep, output)
    return output


def prediction_scope():
    """The context ``predict`` runs a whole pass in when no callback sees single batches:
    inference mode, entered once instead of once per batch."""
    return torch.inference_mode()


def make_step_function(model, step, kind):
    """Return ``fn(batch) -> logs or outputs`` for ``kind`` in train / test / predict.

    The returned function also has ``fn.run_many(batches)``: the logs after running every
    batch in order (predict: the outputs of all of them, concatenated).
    """
    fn = _make(model, step, kind)

    def run_many(batches):
        outputs = [fn(batch) for batch in batches]
        if kind != "predict":
            return outputs[-1]
        return _concatenate(outputs)

    fn.run_many = run_many
    return fn


# Devices whose predict outputs are kept as NumPy copies batch by batch (see
# predict_output_to_keep); outputs on other devices stay there until the end.
HOST_DEVICES = ("cpu",)


def predict_outputs_to_numpy(outputs):
    """All of predict's kept batch outputs as NumPy, joined on their device first (one copy
    to the host instead of one per batch, each of which waits); None when they are not all
    device tensors (the trainer then converts them one by one)."""
    leaves = tree.flatten(outputs[0])
    for out in outputs:
        for leaf in tree.flatten(out):
            if not isinstance(leaf, torch.Tensor) or leaf.device.type in HOST_DEVICES:
                return None
    if not leaves:
        return None
    return tree.map_structure(backend.convert_to_numpy, _concatenate(outputs))


def _concatenate(outputs):
    first = outputs[0]
    if isinstance(first, dict):
        return {k: _concatenate([o[k] for o in outputs]) for k in first}
    if isinstance(first, (list, tuple)):
        return type(first)(_concatenate(list(parts)) for parts in zip(*outputs))
    return torch.cat(outputs, dim=0)


def _make(model, step, kind):
    if kind == "predict":
        # As a hand-written torch inference loop: inference mode (no autograd bookkeeping
        # at all). Variables created inside it are made as normal tensors (core.Variable).
        def inference_step(batch):
            if torch.is_inference_mode_enabled():  # inside prediction_scope: already on
                return step(batch)
            with torch.inference_mode():
                return step(batch)

        base = inference_step
    elif kind != "train":
        def no_grad_step(batch):
            with torch.no_grad():
                return step(batch)

        base = no_grad_step
    else:
        def base(batch):
            return step(batch)
    if model.jit_compile is not True or model.run_eagerly:
        return base
    state = {}

    def run(batch):
        fn = state.get("fn")
        if fn is None:
            output = base(batch)  # eager warm-up: lazy state is created here
            try:
                state["fn"] = torch.compile(base)
            except Exception as error:  # torch.compile unavailable on this platform
                warnings.warn(f"torch.compile failed ({error}); running steps eagerly.",
                              stacklevel=2)
                state["fn"] = base
            return output
        return fn(batch)

    return run
