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


def _loop_state_functions(cond, body, loop_vars):
    """``cond`` and ``body`` as functions of the whole loop state, as the engines take them.

    Keras passes the elements of a tuple or list ``loop_vars`` positionally and a single
    tensor as itself; the state always travels as a tuple in the first case.
    """
    if not isinstance(loop_vars, (tuple, list)):
        return cond, body

    def state_cond(state):
        return cond(*state)

    def state_body(state):
        new_state = body(*state)
        return tuple(new_state) if isinstance(new_state, (tuple, list)) else (new_state,)

    return state_cond, state_body


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(loop_vars)`` while ``cond(loop_vars)`` is true.

    Args:
        cond: a callable returning a scalar boolean. When ``loop_vars`` is a tuple or
            list its elements are passed positionally, otherwise ``loop_vars`` itself.
        body: a callable taking the loop state like ``cond`` and returning the new state,
            with the same structure, shapes and dtypes.
        loop_vars: the initial state: a tensor, or a tuple/list of (nested) tensors.
        maximum_iterations: stop after this many steps even if ``cond`` still holds;
            None (the default) for no limit.

    Returns:
        The final state: a tensor for a single tensor ``loop_vars``, else a tuple.

    Example:
        >>> lamina.ops.while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y * 2), (0, 1))
        (10, 1024)  # as int32 tensors
    """
    if not callable(cond) or not callable(body):
        raise TypeError(
            f"while_loop: `cond` and `body` must be callables, got cond={cond!r}, "
            f"body={body!r}."
        )
    if maximum_iterations is not None and isinstance(maximum_iterations, (int, float)) \
            and maximum_iterations < 0:
        raise ValueError(
            "while_loop: `maximum_iterations` must be None or a non-negative number, got "
            f"{maximum_iterations!r}."
        )
    from lamina import tree

    is_sequence = isinstance(loop_vars, (tuple, list))
    state = tree.map_structure(_backend.convert_to_tensor, loop_vars)
    if is_sequence:
        state = tuple(state)
    state_cond, state_body = _loop_state_functions(cond, body, loop_vars)
    return _backend.core.while_loop(state_cond, state_body, state,
                                    maximum_iterations=maximum_iterations)


def fori_loop(lower, upper, body_fun, init_val):
    """Run ``val = body_fun(i, val)`` for ``i`` from ``lower`` up to ``upper`` (excluded).

    Args:
        lower: the first value of the loop index (an int or scalar int tensor).
        upper: the loop stops before the index reaches this value.
        body_fun: a callable ``(i, val) -> val`` keeping the structure, shapes and dtypes
            of ``val``.
        init_val: the initial state (a tensor, number or nested structure of them).

    Returns:
        The state after the last step (``init_val`` when ``upper <= lower``).

    Example:
        >>> lamina.ops.fori_loop(0, 10, lambda i, total: total + i, 0)
        45
    """
    if not callable(body_fun):
        raise TypeError(f"fori_loop: `body_fun` must be a callable (i, val) -> val, got "
                        f"{body_fun!r}.")
    return _backend.core.fori_loop(lower, upper, body_fun, init_val)


@dispatch
def switch(index, branches, *operands):
    """Call exactly one of ``branches`` on ``operands``, chosen by ``index``.

    An index below 0 picks the first branch and one past the end the last (clamped, as
    in Keras and ``jax.lax.switch``). Every branch must return the same structure,
    shapes and dtypes, since on JAX a traced index compiles all of them.

    Args:
        index: a scalar int (or int tensor) selecting the branch.
        branches: a non-empty list or tuple of callables.
        *operands: the arguments passed to the chosen branch.

    Returns:
        ``branches[clamped_index](*operands)``.

    Example:
        >>> lamina.ops.switch(1, [lambda x: x + 1, lambda x: x * 10], 2.0)
        20.0
    """
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ValueError(
            "switch: `branches` must be a non-empty list or tuple of callables, got "
            f"{branches!r}. Pass at least one function, e.g. switch(i, [f, g], x)."
        )
    not_callable = [b for b in branches if not callable(b)]
    if not_callable:
        raise TypeError(f"switch: every branch must be callable, got {not_callable!r}.")
    return _backend.core.switch(index, tuple(branches), *operands)


@dispatch
def map(f, xs):
    """Apply ``f`` to each slice of ``xs`` along its leading axis and stack the results.

    One call of ``f`` per element (a loop, compiled as ``jax.lax.map`` on JAX); see
    ``vectorized_map`` for a batched version.

    Args:
        f: a callable taking one slice of ``xs`` (same structure, leading axis removed)
            and returning a tensor or a nested structure of tensors.
        xs: a tensor or nested structure of tensors sharing their leading dimension.

    Returns:
        ``f``'s results stacked along a new leading axis, in ``f``'s output structure.

    Example:
        >>> lamina.ops.map(lambda x: x * x, np.arange(4))
        [0, 1, 4, 9]  # an int tensor
    """
    if not callable(f):
        raise TypeError(f"map: `f` must be a callable, got {f!r}.")
    return _backend.core.map(f, xs)


@dispatch
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of ``elems`` along ``axis`` with an associative binary function.

    Element ``k`` of the result combines elements ``0..k``:
    ``[a, f(a, b), f(f(a, b), c), ...]``. Because ``f`` is associative the engines may
    group the calls in any order (a parallel prefix scan), so ``f`` must satisfy
    ``f(a, f(b, c)) == f(f(a, b), c)`` and work element-wise on whole slices.

    Args:
        f: ``f(earlier, later) -> combined``, on (nested structures of) tensors like
            ``elems``; it need not be commutative.
        elems: a tensor or nested structure of tensors with the same size along ``axis``.
        reverse: scan from the last element to the first (defaults to False).
        axis: the axis to scan along (defaults to 0).

    Returns:
        The scanned values, with the shapes and structure of ``elems``.

    Example:
        >>> lamina.ops.associative_scan(lambda a, b: a + b, np.arange(5))
        [0, 1, 3, 6, 10]  # an int tensor
    """
    if not callable(f):
        raise TypeError(f"associative_scan: `f` must be a callable, got {f!r}.")
    from lamina import tree

    leaves = tree.flatten(elems)
    if not leaves:
        raise ValueError("associative_scan: `elems` holds no tensors.")
    shapes = [_backend.shape(_backend.convert_to_tensor(leaf)) for leaf in leaves]
    rank = len(shapes[0])
    if not -rank <= axis < rank:
        raise ValueError(f"associative_scan: `axis`={axis} is out of range for elements of "
                         f"rank {rank}.")
    sizes = {shape[axis] if len(shape) == rank else None for shape in shapes}
    if len(sizes) != 1:
        raise ValueError(
            f"associative_scan: every element of `elems` needs the same size along axis "
            f"{axis}; got shapes {shapes}."
        )
    # A non-negative axis: jax.lax.associative_scan rejects axis=-1 with reverse=True.
    return _backend.core.associative_scan(f, elems, reverse=reverse, axis=axis % rank)


@dispatch
def vectorized_map(function, elements):
    """Map ``function`` over the leading axis of ``elements`` as one batched computation.

    The result equals stacking ``function(element)`` for each slice, but the engine
    vectorizes the function (``torch.vmap``, ``jax.vmap``) instead of looping. A list or
    tuple of tensors is sliced together and passed to ``function`` as one list/tuple.

    Args:
        function: a callable taking one slice of ``elements``.
        elements: a tensor or a (nested) structure of tensors sharing their leading
            dimension.

    Returns:
        The outputs of ``function`` stacked along a new leading axis.

    Example:
        >>> lamina.ops.vectorized_map(lambda v: lamina.ops.sum(v * v), np.ones((3, 2)))
        [2., 2., 2.]  # a float tensor
    """
    if not callable(function):
        raise TypeError(f"vectorized_map: `function` must be a callable, got {function!r}.")
    return _backend.core.vectorized_map(function, elements)


def _takes_upstream_keyword(grad_fn):
    """Whether ``grad_fn`` has a parameter named ``upstream`` that a keyword can fill."""
    import inspect

    try:
        parameter = inspect.signature(grad_fn).parameters.get("upstream")
    except (TypeError, ValueError):  # a builtin without a readable signature
        return False
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def custom_gradient(f):
    """Decorator: a function whose gradient is given by hand instead of derived.

    ``f(*args)`` returns ``(output, grad_fn)``. ``grad_fn`` receives the gradient flowing
    into ``output`` (``upstream``: a tensor, or the output's structure of tensors) and
    returns the gradients with respect to ``args``: one tensor for a single argument, or
    a tuple/list with one entry per argument.

    Keras calls ``grad_fn(upstream)`` on JAX and ``grad_fn(*args, upstream=...)`` on
    torch, so its docs show several ``grad_fn`` signatures. All of them work here on both
    engines: a ``grad_fn`` with a parameter named ``upstream`` (``def grad(upstream)``,
    ``def grad(*args, upstream)``, ``def grad(*args, upstream=None)``) gets it by keyword,
    any other (``def grad(dy)``) positionally.

    Args:
        f: the function to decorate, ``f(*args) -> (output, grad_fn)``.

    Returns:
        A function ``h(*args)`` returning ``f(*args)[0]``, differentiated with ``grad_fn``.

    Example:
        >>> @lamina.ops.custom_gradient
        ... def log1pexp(x):
        ...     e = lamina.ops.exp(x)
        ...     def grad(upstream):
        ...         return upstream * (1.0 - 1.0 / (1.0 + e))
        ...     return lamina.ops.log(1.0 + e), grad
    """
    import functools

    if not callable(f):
        raise TypeError(f"custom_gradient: `f` must be a callable, got {f!r}.")

    def forward(*args):
        result = f(*args)
        if not isinstance(result, (tuple, list)) or len(result) != 2 or \
                not callable(result[1]):
            raise TypeError(
                f"custom_gradient: {getattr(f, '__name__', f)!r} must return a pair "
                "(output, grad_fn) where grad_fn computes the gradients from `upstream`; "
                f"it returned {type(result).__name__}."
            )
        output, grad_fn = result
        by_keyword = _takes_upstream_keyword(grad_fn)

        def rule(upstream):
            grads = grad_fn(upstream=upstream) if by_keyword else grad_fn(upstream)
            grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
            if len(grads) != len(args):
                raise ValueError(
                    f"custom_gradient: the gradient function of "
                    f"{getattr(f, '__name__', f)!r} returned {len(grads)} gradients for "
                    f"{len(args)} arguments; return one per argument (None for none)."
                )
            return grads

        return output, rule

    engine_fn = _backend.core.custom_gradient(forward)

    @functools.wraps(f)
    def wrapper(*args):
        # Variables enter as their current values: the engines differentiate tensors.
        args = [_backend.convert_to_tensor(a) if isinstance(a, _backend.BaseVariable) else a
                for a in args]
        return engine_fn(*args)

    return wrapper


_SCATTER_REDUCTIONS = (None, "add", "max", "min", "mul")


def _checked_indices(op_name, indices, rank):
    """``indices`` as an int tensor of shape ``(N, k)`` with ``1 <= k <= rank``."""
    indices = _backend.convert_to_tensor(indices)
    if _backend.dtype_of(indices) not in ("int8", "int16", "int32", "int64", "uint8",
                                          "uint16", "uint32", "uint64"):
        raise TypeError(f"{op_name}: `indices` must be integers, got dtype "
                        f"{_backend.dtype_of(indices)}.")
    shape_ = _backend.shape(indices)
    if len(shape_) != 2 or not 1 <= shape_[1] <= rank:
        raise ValueError(
            f"{op_name}: `indices` must have shape (num_updates, k) with 1 <= k <= {rank} "
            f"(the rank of the target), got shape {shape_}. For single positions of a "
            f"1-D target write [[i], [j]], not [i, j]."
        )
    return indices


@dispatch
def scatter(indices, values, shape):
    """A tensor of zeros of ``shape`` with ``values`` added at ``indices``.

    Values whose indices repeat are summed.

    Args:
        indices: ints of shape ``(N, k)``: each row indexes the first ``k`` axes.
        values: shape ``(N,) + shape[k:]``; sets the result's dtype.
        shape: the shape of the result.

    Returns:
        A tensor of ``shape`` and the dtype of ``values``.

    Example:
        >>> lamina.ops.scatter([[0, 1], [1, 1], [0, 1]], np.array([1.0, 2.0, 3.0]), (2, 2))
        [[0., 4.], [0., 2.]]  # a float tensor
    """
    shape = tuple(int(s) for s in shape)
    indices = _checked_indices("scatter", indices, len(shape))
    return _backend.core.scatter(indices, values, shape)


@dispatch
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at the positions ``indices`` (a new tensor).

    Args:
        inputs: the tensor to update, of shape ``(D0, ..., Dn)``.
        indices: ints of shape ``(N, k)``, each row indexing the first ``k`` axes.
        updates: shape ``(N,) + inputs.shape[k:]``, cast to ``inputs``' dtype.
        reduction: how an update combines with what is there: None (the default)
            replaces it (with repeated indices one of the writes wins), ``"add"``,
            ``"max"``, ``"min"`` or ``"mul"``.

    Returns:
        A tensor of ``inputs``' shape and dtype.

    Example:
        >>> lamina.ops.scatter_update(np.zeros(4), [[0], [0], [2]], np.ones(3), "add")
        [2., 0., 1., 0.]  # a float tensor
    """
    if reduction not in _SCATTER_REDUCTIONS:
        raise ValueError(f"scatter_update: `reduction` must be one of {_SCATTER_REDUCTIONS}, "
                         f"got {reduction!r}.")
    inputs = _backend.convert_to_tensor(inputs)
    indices = _checked_indices("scatter_update", indices, len(_backend.shape(inputs)))
    return _backend.core.scatter_update(inputs, indices, updates, reduction=reduction)


@dispatch
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates``.

    Like ``inputs[s0:s0 + u0, s1:s1 + u1, ...] = updates`` on a copy.

    Args:
        inputs: the tensor to update.
        start_indices: one start index per axis of ``inputs`` (ints or scalar tensors).
        updates: a tensor of ``inputs``' rank, cast to ``inputs``' dtype.

    Returns:
        A tensor of ``inputs``' shape and dtype.

    Example:
        >>> lamina.ops.slice_update(np.zeros((3, 3)), (1, 1), np.ones((2, 2)))
        [[0., 0., 0.], [0., 1., 1.], [0., 1., 1.]]  # a float tensor
    """
    inputs = _backend.convert_to_tensor(inputs)
    updates = _backend.convert_to_tensor(updates)
    rank = len(_backend.shape(inputs))
    start_indices = list(start_indices) if isinstance(start_indices, (list, tuple)) else \
        list(_unstacked_indices(start_indices))
    if len(start_indices) != rank or len(_backend.shape(updates)) != rank:
        raise ValueError(
            f"slice_update: `start_indices` needs one entry per axis of `inputs` and "
            f"`updates` the rank of `inputs` ({rank}); got {len(start_indices)} start "
            f"indices and updates of shape {_backend.shape(updates)}."
        )
    return _backend.core.slice_update(inputs, start_indices, updates)


def _unstacked_indices(start_indices):
    """A 1-D index tensor as a list of its scalar entries."""
    start_indices = _backend.convert_to_tensor(start_indices)
    return [start_indices[i] for i in range(_backend.shape(start_indices)[0])]


# bfloat16 is unknown to NumPy: its largest finite value is (2 - 2**-7) * 2**127.
_BFLOAT16_MAX = 3.3895313892515355e38


def _value_range(dtype_name):
    """The (lowest, highest) value a dtype holds, as Python numbers."""
    import numpy as np

    if dtype_name == "bool":
        return 0, 1
    if dtype_name == "bfloat16":
        return -_BFLOAT16_MAX, _BFLOAT16_MAX
    if "int" in dtype_name:
        info = np.iinfo(dtype_name)
        return int(info.min), int(info.max)
    info = np.finfo(dtype_name)
    return float(info.min), float(info.max)


def _saturation_bounds(in_dtype, out_dtype):
    """Clip bounds, representable in ``in_dtype``, keeping values inside ``out_dtype``.

    A bound of the target may not exist in the input dtype (int32's 2**31 - 1 rounds up to
    2**31 in float32, which overflows the cast): such a bound moves one step towards zero.
    """
    import numpy as np

    in_low, in_high = _value_range(in_dtype)
    out_low, out_high = _value_range(out_dtype)
    low, high = builtins.max(in_low, out_low), builtins.min(in_high, out_high)
    if in_dtype in ("bfloat16", "bool") or "int" in in_dtype:
        return low, high  # integer bounds are exact; bfloat16 input: float32 rounding
    np_dtype = np.dtype(in_dtype)
    low_in, high_in = np_dtype.type(low), np_dtype.type(high)
    # Compared as Python numbers, which compare exactly (NumPy would round the int bound).
    if float(low_in) < out_low:
        low_in = np.nextafter(low_in, np_dtype.type(0))
    if float(high_in) > out_high:
        high_in = np.nextafter(high_in, np_dtype.type(0))
    return float(low_in), float(high_in)


@dispatch
def saturate_cast(x, dtype):
    """Cast ``x`` to ``dtype``, first clipping it to the range ``dtype`` can hold.

    A plain cast of an out-of-range value wraps around or is undefined (``-1.0`` to
    ``uint8`` may give 255); here it saturates (to 0). Casting to ``bool`` clips to
    ``[0, 1]`` first, as Keras does.

    Args:
        x: a tensor or array-like.
        dtype: the target dtype name, e.g. ``"uint8"``.

    Returns:
        A tensor of ``dtype``.

    Example:
        >>> lamina.ops.saturate_cast(np.array([-1.0, 12.5, 300.0]), "uint8")
        [0, 12, 255]  # a uint8 tensor
    """
    x = _backend.convert_to_tensor(x)
    in_dtype = _backend.dtype_of(x)
    # The dtype the engine really gives (JAX without x64 narrows int64 to int32).
    out_dtype = _backend.dtype_of(_backend.cast(_np.zeros((0,)),
                                                  _backend.standardize_dtype(dtype)))
    if "complex" in in_dtype or "complex" in out_dtype or in_dtype == out_dtype:
        return _backend.cast(x, out_dtype)
    low, high = _saturation_bounds(in_dtype, out_dtype)
    in_low, in_high = _value_range(in_dtype)
    if low > in_low or high < in_high:
        if in_dtype == "uint16":
            # Exact in int32, and some engines (torch) have no uint16 clamp kernel.
            x = _backend.cast(x, "int32")
        x = _np.clip(x, low, high)
    return _backend.cast(x, out_dtype)
