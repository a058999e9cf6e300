"""Core ops: conversion, casting, shapes, gradients control, control flow."""

import builtins

from lamina import backend as _backend
from lamina.backend import numpy as _np
from lamina.ops.symbolic import dispatch


def convert_to_tensor(x, dtype=None, sparse=None):
    """Convert an array-like, Variable or tensor to a backend tensor of ``dtype``."""
    return _backend.convert_to_tensor(x, dtype=dtype)


def convert_to_numpy(x):
    """Convert a tensor (or Variable) to a NumPy array."""
    return _backend.convert_to_numpy(x)


def is_tensor(x):
    """True for a backend tensor."""
    return _backend.is_tensor(x)


@dispatch
def cast(x, dtype):
    """Cast ``x`` to ``dtype`` (a name such as ``"float32"``)."""
    return _backend.cast(x, dtype)


def cast_like(x, other):
    """Cast ``x`` to the dtype of ``other``."""
    return _backend.cast(x, _backend.dtype_of(_backend.convert_to_tensor(other)))


def dtype(x):
    """The dtype name of ``x``, e.g. ``"float32"``."""
    return _backend.dtype_of(_backend.convert_to_tensor(x))


def shape(x):
    """The shape of ``x`` as a tuple of ints."""
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return _backend.shape(_backend.convert_to_tensor(x))


@dispatch
def stop_gradient(x):
    """``x``, treated as a constant by gradient computations."""
    return _backend.stop_gradient(x)


def cond(pred, true_fn, false_fn):
    """``true_fn()`` when ``pred`` holds, else ``false_fn()`` (traceable on JAX)."""
    return _backend.cond(pred, true_fn, false_fn)


@dispatch
def unstack(x, num=None, axis=0):
    """Split ``x`` along ``axis`` into a list of tensors with that axis removed."""
    x = _backend.convert_to_tensor(x)
    return [_np.squeeze(part, axis=axis) for part in _np.split(x, x.shape[axis], axis=axis)]


@dispatch
def slice(inputs, start_indices, shape):
    """The block of ``inputs`` starting at ``start_indices`` with the given ``shape``."""
    index = tuple(builtins.slice(s, s + n) for s, n in zip(start_indices, shape))
    return _backend.convert_to_tensor(inputs)[index]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop a function over the leading axis of ``xs``, carrying a state along.

    The semantics of ``jax.lax.scan`` (and ``keras.ops.scan``): ``f(carry, x)`` returns
    ``(new_carry, y)``; the result is the last carry and the ``y`` of every step stacked
    along a new leading axis (None when ``f`` returns ``y=None``). The carry must keep its
    structure, shapes and dtypes from step to step.

    Args:
        f: the step function ``(carry, x) -> (carry, y)``; ``x`` is None without ``xs``.
        init: the first carry, a tensor or a nested structure of tensors.
        xs: a tensor or nested structure of tensors to loop over (axis 0), or None.
        length: the number of steps; required when ``xs`` is None.
        reverse: loop from the last element to the first (``ys`` stay aligned with ``xs``).
        unroll: how many steps one compiled loop iteration runs (an int >= 1), or True to
            unroll fully; it changes speed, never results.

    Returns:
        ``(final_carry, stacked_ys)``.

    Example:
        >>> xs = np.array([1.0, 2.0, 3.0], "float32")
        >>> total, running = lamina.ops.scan(lambda c, x: (c + x, c + x), 0.0, xs)
        >>> lamina.ops.convert_to_numpy(running)
        array([1., 3., 6.], dtype=float32)
    """
    if not callable(f):
        raise TypeError(f"scan: `f` must be a callable (carry, x) -> (carry, y), got {f!r}.")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(
            f"scan: `unroll` must be a positive int or a bool, got unroll={unroll!r}."
        )
    if xs is None and length is None:
        raise ValueError(
            "scan: nothing to loop over. Pass `xs` (tensors to scan along axis 0) or "
            "`length` (the number of steps) when `f` needs no per-step input."
        )
    return _backend.core.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)
