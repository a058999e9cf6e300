"""Choosing between a backend's fused recurrent kernel and the generic ``ops.scan`` loop.

LSTM and GRU ask ``backend.rnn.lstm`` / ``backend.rnn.gru`` first (when ``use_cudnn``
allows and their configuration is the kernel's: tanh / sigmoid, no recurrent dropout, no
unroll); a backend answers None when it has no kernel for the call, and the layer loops
its cell instead. Input dropout is applied to the whole sequence before the kernel, with
the cell's per-sequence mask, so both paths drop the same features.
"""

from lamina import backend
from lamina import ops

_USE_CUDNN_VALUES = ("auto", True, False)
_NO_FUSED_KERNEL = (
    '{kind} layer "{name}": use_cudnn=True asks for the fused kernel, but it cannot run '
    "this call (it needs activation='tanh', recurrent_activation='sigmoid', "
    "recurrent_dropout=0, unroll=False{extra}, a right-padded mask or none, and a backend "
    "with a fused kernel; the active backend is {backend!r}). Pass use_cudnn='auto' to fall "
    "back to the generic loop."
)


def check_use_cudnn(kind, use_cudnn):
    """Raise a clear error unless ``use_cudnn`` is "auto", True or False."""
    if use_cudnn not in _USE_CUDNN_VALUES or isinstance(use_cudnn, int) and \
            not isinstance(use_cudnn, bool):
        raise ValueError(
            f"{kind}: `use_cudnn` must be one of 'auto', True or False, got {use_cudnn!r}."
        )


def fused_or_fallback(layer, run_fused, extra=""):
    """Try the fused kernel when ``use_cudnn`` allows; None means "use the loop"."""
    if layer.use_cudnn is False:
        return None
    result = run_fused()
    if result is None and layer.use_cudnn is True:
        raise ValueError(_NO_FUSED_KERNEL.format(
            kind=type(layer).__name__, name=layer.name, extra=extra,
            backend=backend.backend()))
    return result


def dropped_sequences(cell, sequences, training):
    """The inputs with the cell's per-sequence dropout mask applied at every timestep."""
    if not training or not cell.dropout:
        return sequences
    mask = cell.get_dropout_mask(sequences[:, 0])
    return ops.multiply(sequences, ops.expand_dims(mask, 1))
