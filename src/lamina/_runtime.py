"""Top-level runtime helpers of ``keras``: ``device`` (placement scope), ``remat``
(recompute a function in the backward pass) and ``RematScope`` (remat for the layers
created inside it)."""

import threading

from lamina import backend
from lamina import tree

_REMAT_MODES = (None, "full", "activations", "larger_than", "list_of_layers")
_state = threading.local()


def device(device_name):
    """A context manager placing the tensors and variables created inside on a device.

    Args:
        device_name: ``"cpu:0"``, ``"gpu:1"`` (``"cuda:1"`` on torch), ``"tpu:0"``; the index
            defaults to 0.

    Returns:
        A context manager.

    Raises:
        ValueError: for a malformed name or a device this machine does not have.

    Example:
        >>> with lamina.device("cpu:0"):
        ...     x = lamina.ops.ones((2, 2))
    """
    return backend.core.device_scope(device_name)


def remat(f):
    """``f`` with rematerialization: its intermediate values are not kept for the backward
    pass but recomputed there (gradient checkpointing), trading compute for memory. The
    values and gradients are those of ``f``.

    Non-tensor arguments (flags such as ``training``, shapes, None) pass through as they
    are; only tensors go through the engine's checkpoint (``torch.utils.checkpoint``,
    ``jax.checkpoint``).

    Args:
        f: a function of tensors (a layer's ``call``, an activation, any function of ops).

    Returns:
        A function with the same arguments and results.

    Example:
        >>> block = lamina.remat(lambda x: lamina.ops.relu(x @ w1) @ w2)
    """
    def rematerialized(*args, **kwargs):
        leaves = tree.flatten((args, kwargs))
        slots = [i for i, leaf in enumerate(leaves) if backend.is_tensor(leaf)]
        if not slots:
            return f(*args, **kwargs)

        def on_tensors(*tensors):
            filled = list(leaves)
            for i, tensor in zip(slots, tensors):
                filled[i] = tensor
            inner_args, inner_kwargs = tree.pack_sequence_as((args, kwargs), filled)
            return f(*inner_args, **inner_kwargs)

        return backend.core.remat(on_tensors)(*[leaves[i] for i in slots])

    return rematerialized


class RematScope:
    """A context manager turning on rematerialization (``remat``) for the layers created
    inside it, when they are called.

    Args:
        mode: ``"full"`` (every layer's call), ``"activations"`` (the activation function of
            layers that have one, e.g. ``Dense(..., activation="relu")``), ``"larger_than"``
            (layers whose output has more than ``output_size_threshold`` elements),
            ``"list_of_layers"`` (the layers named in ``layer_names``), or None (off, e.g.
            inside an outer scope).
        output_size_threshold: the size for ``"larger_than"``.
        layer_names: the layer names for ``"list_of_layers"``.

    Example:
        >>> with lamina.RematScope(mode="full"):
        ...     block = lamina.layers.Dense(512, activation="relu")
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _REMAT_MODES:
            raise ValueError(
                f"RematScope: `mode` must be one of {_REMAT_MODES}. Received: mode={mode!r}."
            )
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        stack = getattr(_state, "remat_stack", None)
        if stack is None:
            stack = _state.remat_stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _state.remat_stack.pop()

    def __repr__(self):
        return f"RematScope(mode={self.mode!r})"


def get_current_remat_mode():
    """The innermost active ``RematScope`` (None outside any, or when it turns remat off).

    Example:
        >>> with lamina.RematScope("full"):
        ...     get_current_remat_mode().mode  # "full"
    """
    stack = getattr(_state, "remat_stack", None)
    if not stack or stack[-1].mode is None:
        return None
    return stack[-1]


def _output_size(outputs):
    size = 0
    for output in tree.flatten(outputs):
        shape = getattr(output, "shape", None)
        if shape is not None:
            count = 1
            for d in shape:
                count *= d or 1
            size += count
    return size


def rematerialized_call(layer, call, args, kwargs):
    """``layer``'s ``call`` as its ``RematScope`` mode wants it (``layer._remat_mode``):
    rematerialized, with a rematerialized activation, or unchanged."""
    scope = layer._remat_mode
    if scope.mode == "full" or (scope.mode == "list_of_layers"
                                and layer.name in scope.layer_names):
        return remat(call)
    if scope.mode == "larger_than":
        # Decided from the output of the first call with these input shapes.
        key = tuple(tuple(getattr(x, "shape", ())) for x in tree.flatten(args))
        decisions = layer.__dict__.setdefault("_remat_decisions", {})
        decision = decisions.get(key)
        if decision is None:
            def measured(*a, **k):
                outputs = call(*a, **k)
                decisions[key] = _output_size(outputs) > scope.output_size_threshold
                return outputs
            return measured
        return remat(call) if decision else call
    activation = getattr(layer, "activation", None)
    if scope.mode == "activations" and callable(activation):
        def with_remat_activation(*a, **k):
            layer.__dict__["activation"] = remat(activation)
            try:
                return call(*a, **k)
            finally:
                layer.__dict__["activation"] = activation
        return with_remat_activation
    return call
