"""Helpers Keras 3 keeps in ``keras.utils`` for symbolic tensors and sessions:
``get_source_inputs``, ``is_keras_tensor``, ``standardize_dtype``, ``clear_session``."""

from lamina import backend


def get_source_inputs(tensor):
    """The ``Input`` tensors that ``tensor`` was computed from, in the order first met.

    Args:
        tensor: a symbolic tensor (``KerasTensor``) of a Functional graph.

    Returns:
        A list of the symbolic input tensors it depends on (``[tensor]`` when it is one).

    Example:
        >>> a, b = lamina.Input((2,)), lamina.Input((2,))
        >>> y = lamina.layers.Add()([a, lamina.layers.Dense(2)(b)])
        >>> lamina.utils.get_source_inputs(y) == [a, b]
        True
    """
    if not isinstance(tensor, backend.KerasTensor):
        raise ValueError(
            "get_source_inputs expects a symbolic tensor (made by lamina.Input or a layer "
            f"called on one); got {type(tensor).__name__}.")
    found, seen_tensors, stack = [], set(), [tensor]
    while stack:
        current = stack.pop()
        if id(current) in seen_tensors:
            continue
        seen_tensors.add(id(current))
        history = current._history
        node = None
        if history is not None:
            layer, node_index, _ = history
            nodes = getattr(layer, "_inbound_nodes", None) or []
            node = nodes[node_index] if node_index < len(nodes) else None
        if node is None or not node.input_tensors:
            if not any(current is t for t in found):
                found.append(current)
            continue
        # Reversed: the stack pops the first input first, so inputs come out in call order.
        stack.extend(reversed(node.input_tensors))
    return found


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor (from ``lamina.Input`` or a layer called on one).

    Example:
        >>> lamina.utils.is_keras_tensor(lamina.Input((3,)))
        True
    """
    return backend.is_keras_tensor(x)


def standardize_dtype(dtype):
    """The canonical dtype name for any spelling: ``"float32"`` for ``np.float32``,
    ``torch.float32``, ``jnp.float32`` or ``"float"``.

    Example:
        >>> lamina.utils.standardize_dtype(np.float32)
        'float32'
    """
    return backend.standardize_dtype(dtype)


def clear_session(free_memory=True):
    """Reset lamina's global state: automatic layer names start over (``dense``,
    ``dense_1``...); with ``free_memory``, Python's garbage collector runs too.

    Args:
        free_memory: also collect garbage (and free cached engine memory where the engine
            keeps some).
    """
    backend.clear_session(free_memory=free_memory)
