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
