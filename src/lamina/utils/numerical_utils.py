"""Array helpers Keras users call on their data: ``to_categorical`` and ``normalize``."""

import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot encode integer class ids into a float32 NumPy array.

    Args:
        x: integer class ids (any shape; a trailing axis of size 1 is dropped).
        num_classes: the number of classes; ``max(x) + 1`` when None.

    Returns:
        An array of shape ``x.shape + (num_classes,)``.

    Example:
        >>> lamina.utils.to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    from lamina import backend

    x = np.asarray(backend.convert_to_numpy(x) if backend.is_tensor(x) else x)
    if x.dtype.kind == "f":
        if not np.all(np.equal(np.mod(x, 1), 0)):
            raise ValueError("to_categorical: class ids must be whole numbers.")
    x = x.astype("int64")
    shape = x.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: class ids must be >= 0, got {x.min()}.")
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(
            f"to_categorical: class id {x.max()} is out of range for num_classes="
            f"{num_classes}. Ids must be in [0, num_classes)."
        )
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (zero vectors stay zero).

    Args:
        x: a NumPy array or tensor.
        axis: the axis to normalize along.
        order: the norm order (2 for L2).

    Returns:
        An array (NumPy in, NumPy out; a tensor in gives a tensor).

    Example:
        >>> lamina.utils.normalize(np.array([[3.0, 4.0]]))
        array([[0.6, 0.8]])
    """
    from lamina import backend
    from lamina import ops

    if backend.is_tensor(x):
        return ops.normalize(x, axis=axis, order=order)
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
