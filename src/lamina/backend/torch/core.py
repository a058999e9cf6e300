"""torch core: tensors, dtypes, Variable storage, gradients, device placement."""

import contextlib
import functools
import weakref

import numpy as np
import torch

from lamina.backend.common import dtypes
from lamina.backend.common import scopes
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.backend.common.variables import BaseVariable

DEFAULT_DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

_TORCH_DTYPES = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "bool": torch.bool,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}


def to_torch_dtype(dtype):
    """The ``torch.dtype`` for a dtype name (or any dtype spelling)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    found = _TORCH_DTYPES.get(dtype) if isinstance(dtype, str) else None
    return found if found is not None else _TORCH_DTYPES[dtypes.standardize_dtype(dtype)]


def get_device():
    """The device new tensors are placed on: ``"cuda"`` when available, else ``"cpu"``."""
    return DEFAULT_DEVICE


class Variable(BaseVariable):
    """A Variable stored as a ``torch.nn.Parameter``."""

    def _convert(self, value):
        return convert_to_tensor(value, dtype=self._dtype)

    def _initialize(self, value):
        if torch.is_inference_mode_enabled():
            # Created inside predict (which runs in inference mode): the storage must be a
            # normal tensor, or training it later would fail.
            with torch.inference_mode(False):
                return self._initialize(value)
        # Copy: a tensor made from a NumPy array shares its memory, and assigning the
        # variable must not change the user's array.
        value = value.detach().to(DEFAULT_DEVICE).clone()
        is_float = value.dtype.is_floating_point or value.dtype.is_complex
        self._value = torch.nn.Parameter(value, requires_grad=self._trainable and is_float)

    def _set_memory_order(self, order):
        order = self._checked_memory_order(order)
        value = self._value
        if torch.is_inference_mode_enabled():  # see _initialize
            with torch.inference_mode(False):
                return self._set_memory_order(order)
        inverse = sorted(range(len(order)), key=order.__getitem__)
        with torch.no_grad():
            stored = value.detach().permute(order).contiguous().permute(inverse)
        # A new Parameter over the re-laid storage: same shape and values, and the
        # gradients autograd gives for it follow its strides.
        self._value = torch.nn.Parameter(stored, requires_grad=value.requires_grad)
        self._memory_order = order

    def _direct_assign(self, value):
        with torch.no_grad():
            self._value.copy_(value)

    def assign(self, value):
        # Fast path for the hot loop (optimizer updates): a tensor of the right dtype and
        # shape needs no conversion, and torch needs no assignment recording.
        if type(value) is torch.Tensor and value.dtype == self._value.dtype and \
                value.shape == self._value.shape and not scopes.OPEN.stateless and \
                not scopes.in_symbolic_scope():
            if torch.is_grad_enabled() and (self._value.requires_grad or value.requires_grad):
                with torch.no_grad():
                    self._value.copy_(value)
            else:  # nothing to keep out of a graph (the optimizer runs under no_grad)
                self._value.copy_(value)
            return self
        return super().assign(value)

    def assign_add(self, delta):
        # Fast path for the hot loop (metric totals, step counters): added in place.
        if self._in_place_ok(delta):
            # Not under torch.compile: the host copies are plain Python state (a dict whose
            # entries go when their tensors do), which must not become part of a graph.
            # (is_compiling first: reading the dict at all would make torch.compile guard
            # on its entries, which vanish when their tensors are collected.)
            known = None if torch.compiler.is_compiling() or not _HOST_COPIES else \
                known_host_value(self._value)
            _update_in_place(self._value.add_, delta)
            if known is not None and type(delta) is int:
                remember_host_value(self._value, known + delta)  # the step counter
            return self
        return super().assign_add(delta)

    def _assign_add_scaled(self, delta, scale):
        # One kernel (add_ with alpha) instead of a multiplication and an addition.
        if type(delta) is torch.Tensor and self._in_place_ok(delta) and \
                isinstance(scale, (int, float)):
            if delta.requires_grad:
                with torch.no_grad():
                    self._value.add_(delta, alpha=scale)
            else:
                self._value.add_(delta, alpha=scale)
            return self
        return super()._assign_add_scaled(delta, scale)

    def assign_sub(self, delta):
        if self._in_place_ok(delta):
            _update_in_place(self._value.sub_, delta)
            return self
        return super().assign_sub(delta)

    def _in_place_ok(self, delta):
        value = self._value
        if value.requires_grad or scopes.OPEN.stateless or scopes.in_symbolic_scope():
            return False
        if type(delta) is torch.Tensor:
            return delta.dtype == value.dtype and delta.shape == value.shape and \
                delta.device == value.device
        if type(delta) is int:
            return True
        return type(delta) is float and value.dtype.is_floating_point

    @property
    def value(self):
        if not scopes.OPEN.autocast:  # no mixed-precision layer is running anywhere
            return self._value
        dtype = scopes.autocast_dtype()
        if dtype is not None and self.autocast and self._value.dtype.is_floating_point:
            target = to_torch_dtype(dtype)
            if target != self._value.dtype:
                return self._value.to(target)
        return self._value

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if self._value.dtype.is_floating_point:
            self._value.requires_grad_(self._trainable)

    @property
    def shape(self):
        return tuple(self._value.shape)

    def numpy(self):
        # A copy: on CPU, .numpy() shares memory with the live weight, and a later update
        # would silently change arrays users (or EarlyStopping) kept.
        return self._value.detach().cpu().numpy().copy()


# Host copies of device scalars that the optimizers read every step (the step counter, a
# constant learning rate): on a GPU each read would wait for all queued work. An entry holds
# while the tensor is the same object at the same version (torch bumps ``_version`` on
# every in-place write), so any assignment, load or restore makes the next read a real one.
_HOST_COPIES = {}


def known_host_value(tensor):
    """The remembered host value of a scalar tensor, or None when it may have changed."""
    entry = _HOST_COPIES.get(id(tensor))
    if entry is not None and entry[0]() is tensor and entry[1] == tensor._version:
        return entry[2]
    return None


def remember_host_value(tensor, value):
    """Remember ``value`` as the host value of ``tensor`` at its current version."""
    key = id(tensor)
    _HOST_COPIES[key] = (weakref.ref(tensor, lambda _: _HOST_COPIES.pop(key, None)),
                         tensor._version, value)


def host_value(tensor):
    """``tensor.item()``, read from the device once and remembered until it is written."""
    value = known_host_value(tensor)
    if value is None:
        value = tensor.item()
        remember_host_value(tensor, value)
    return value


def _update_in_place(method, delta):
    """``method(delta)`` (an in-place op of a Variable's tensor), kept out of the autograd
    graph when ``delta`` is part of one."""
    if type(delta) is torch.Tensor and delta.requires_grad:
        with torch.no_grad():
            method(delta)
    else:
        method(delta)


def is_tensor(x):
    """True for a backend tensor."""
    return isinstance(x, torch.Tensor)


_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _holds_tensor(items):
    """Whether a (nested) list or tuple holds a torch tensor or a Variable."""
    return any(isinstance(item, (torch.Tensor, BaseVariable)) or (
        isinstance(item, (list, tuple)) and _holds_tensor(item)) for item in items)


def convert_to_tensor(x, dtype=None, sparse=None):
    """Convert ``x`` (array-like, Variable or tensor) to a tensor of ``dtype``."""
    if (type(x) is torch.Tensor or type(x) is torch.nn.Parameter) and dtype is None and (
            DEFAULT_DEVICE == "cpu" or x.device.type == DEFAULT_DEVICE):
        return x  # the hot path: already a tensor (or a weight) where it belongs
    if isinstance(x, BaseVariable):
        x = x.value
    if isinstance(x, KerasTensor):
        raise TypeError(
            "A symbolic KerasTensor (from lamina.Input) has no value. Symbolic tensors are "
            "meant for building Functional models; pass real arrays to call a model."
        )
    if isinstance(x, (list, tuple)) and _holds_tensor(x):
        # A list of tensors (on a GPU NumPy cannot read them): stack them where they are.
        parts = [convert_to_tensor(item, dtype=dtype) for item in x]
        common = functools.reduce(torch.promote_types, [p.dtype for p in parts])
        return torch.stack([p.to(common) for p in parts])
    if dtype is not None:
        dtype = to_torch_dtype(dtype)
    if isinstance(x, torch.Tensor):
        if dtype is not None and x.dtype != dtype:
            x = x.to(dtype)
        if x.device.type != DEFAULT_DEVICE and DEFAULT_DEVICE != "cpu":
            x = x.to(DEFAULT_DEVICE)
        return x
    if dtype is None:
        if isinstance(x, bool):
            dtype = torch.bool
        elif isinstance(x, int):
            # Python ints become int32 as in Keras (int64 only when they do not fit).
            dtype = torch.int32 if _INT32_MIN <= x <= _INT32_MAX else torch.int64
        elif isinstance(x, float):
            dtype = to_torch_dtype(dtypes.standardize_dtype(None))
        elif isinstance(x, (list, tuple)):
            x = np.asarray(x)
            if x.dtype == np.float64:
                dtype = to_torch_dtype(dtypes.standardize_dtype(None))
            elif x.dtype == np.int64 and (x.size == 0 or (
                    _INT32_MIN <= x.min() and x.max() <= _INT32_MAX)):
                dtype = torch.int32
    if isinstance(x, np.ndarray):
        if x.dtype == object or x.dtype.kind in "US":
            raise TypeError(f"Cannot convert an array of dtype {x.dtype} to a tensor.")
        tensor = convert_to_tensor_on_host(x)
        if dtype is not None and tensor.dtype != dtype:
            tensor = tensor.to(dtype)
        return tensor.to(DEFAULT_DEVICE)
    if hasattr(x, "__array__") and not isinstance(x, (int, float, bool)):
        return convert_to_tensor(np.asarray(x), dtype=dtype)
    if DEFAULT_DEVICE != "cpu" and isinstance(x, (bool, int, float)):
        # A Python number copied to a GPU would wait for all queued work (a blocking copy
        # from host memory); filling a new device tensor with it is queued like any kernel.
        return torch.full((), x, dtype=dtype, device=DEFAULT_DEVICE)
    return torch.as_tensor(x, dtype=dtype, device=DEFAULT_DEVICE)


def streams_host_batches():
    """Whether NumPy data read once (``predict``, ``evaluate``) is best copied to the device
    batch by batch (``host_batch_to_device``) rather than whole before the first batch.

    True on a GPU: the whole copy (188 MB for the mlp benchmark's inputs) waits for the
    device and delays the first batch, while per-batch asynchronous copies overlap the
    batches' computations. On the CPU a NumPy array becomes a tensor without a copy.
    """
    return DEFAULT_DEVICE != "cpu"


def device_resident_sources(leaves):
    """None for every leaf: torch makes tensors of array data once, on the device, when
    ``fit`` starts, and gathers each batch with one eager ``index_select``; a torch step is
    not one compiled call that could take the rows alone (see the JAX engine)."""
    return [None] * len(leaves)


def host_batch_to_device(array):
    """One NumPy batch as a tensor on the default device, copied without waiting.

    The batch goes through page-locked host memory (torch's caching host allocator, which
    reuses a buffer only after its copy has finished), so the copy to the GPU is queued
    like a kernel: a copy from ordinary memory would wait for the device. On the CPU it
    is ``convert_to_tensor``.
    """
    if DEFAULT_DEVICE == "cpu" or not isinstance(array, np.ndarray):
        return convert_to_tensor(array)
    tensor = convert_to_tensor_on_host(array)
    return tensor.pin_memory().to(DEFAULT_DEVICE, non_blocking=True)


def convert_to_tensor_on_host(array):
    """A NumPy array as a CPU tensor (shared memory where NumPy allows it)."""
    if not array.flags.writeable or not array.flags.c_contiguous or array.dtype.byteorder == ">":
        array = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("="), copy=False)
    return torch.from_numpy(array) if array.flags.writeable else torch.tensor(array)


def convert_to_numpy(x):
    """Convert a tensor (or Variable, or array-like) to a NumPy array."""
    if isinstance(x, BaseVariable):
        return x.numpy()
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.dtype == torch.bfloat16:
            x = x.float()
        return x.cpu().numpy()
    return np.asarray(x)


def cast(x, dtype):
    """Cast ``x`` to ``dtype``."""
    x = convert_to_tensor(x)
    target = to_torch_dtype(dtype)
    return x if x.dtype == target else x.to(target)


def dtype_of(x):
    """The dtype name of a tensor."""
    return dtypes.standardize_dtype(x.dtype)


def shape(x):
    """The shape of a tensor as a tuple of ints."""
    return tuple(x.shape)


def stop_gradient(x):
    """``x`` with gradients blocked."""
    return convert_to_tensor(x).detach()


def take_rows(x, indices):
    """The rows of ``x`` (a tensor, or a list of tensors) at ``indices`` (a 1-D int tensor
    of non-negative indices): the batch gather of the data pipeline, without ``take``'s
    negative-index handling."""
    if isinstance(x, list):
        return [torch.index_select(leaf, 0, indices) for leaf in x]
    return torch.index_select(x, 0, indices)


def value_and_grad(fn, variables, has_aux=False):
    """Call ``fn()`` and return ``(value, grads)``, the gradients of value w.r.t. ``variables``.

    ``fn`` takes no arguments and returns a scalar loss, or ``(loss, aux)`` with
    ``has_aux=True``. A gradient that does not depend on the loss is a zero tensor.
    """
    variables = list(variables)
    output = fn()
    loss = output[0] if has_aux else output
    tensors = [v.value for v in variables]
    if not loss.requires_grad:
        grads = [torch.zeros_like(t) for t in tensors]
    else:
        grads = torch.autograd.grad(loss, tensors, allow_unused=True)
        grads = [torch.zeros_like(t) if g is None else g for t, g in zip(tensors, grads)]
    if has_aux:
        return (loss.detach(), output[1]), grads
    return loss.detach(), grads


def no_grad():
    """A context in which operations are not recorded for gradients."""
    return torch.no_grad()


@contextlib.contextmanager
def device_scope(device_name):
    """Place the tensors and variables created inside on ``device_name`` (``"cpu:0"``,
    ``"gpu:1"``; ``"gpu"`` is torch's ``"cuda"``)."""
    import sys

    from lamina.backend.common.devices import parse_device_name

    kind, index = parse_device_name(device_name)
    if kind == "tpu" or (kind == "gpu" and index >= torch.cuda.device_count()):
        raise ValueError(
            f"device: {device_name!r} is not available on this machine (torch sees "
            f"{torch.cuda.device_count()} CUDA device(s)). Use 'cpu:0'"
            + (f" or 'gpu:0' to 'gpu:{torch.cuda.device_count() - 1}'."
               if torch.cuda.device_count() else ".")
        )
    device = "cpu" if kind == "cpu" else f"cuda:{index}"
    # Every torch engine module reads the module-level DEFAULT_DEVICE when it creates a
    # tensor: point them all at the scope's device, and torch's own factories too.
    modules = [m for name, m in list(sys.modules.items())
               if name.startswith("lamina.backend.torch") and hasattr(m, "DEFAULT_DEVICE")]
    previous = [m.DEFAULT_DEVICE for m in modules]
    for module in modules:
        module.DEFAULT_DEVICE = device
    try:
        with torch.device(device):
            yield
    finally:
        for module, value in zip(modules, previous):
            module.DEFAULT_DEVICE = value


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode Jacobian-vector product (``torch.func.jvp``): ``(outputs, tangents_out)``
    or, with ``has_aux``, ``(outputs, tangents_out, aux)``."""
    primals = tuple(convert_to_tensor(p) for p in primals)
    tangents = tuple(convert_to_tensor(t, dtype=p.dtype) for p, t in zip(primals, tangents))
    return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)


def remat(f):
    """``f`` recomputed in the backward pass instead of keeping its intermediate values
    (``torch.utils.checkpoint``)."""
    import torch.utils.checkpoint

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        return torch.utils.checkpoint.checkpoint(f, *args, use_reentrant=False, **kwargs)

    return wrapped


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(pred) else false_fn()



def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``; stack the ``y``.

    A Python loop: torch runs eagerly, so there is nothing to compile and ``unroll`` only
    matters to JAX. ``ys[i]`` is always the output for ``xs[i]``, also with ``reverse``.
    """
    from lamina import tree

    if xs is None:
        flat_xs, steps = [], int(length)
    else:
        flat_xs = [convert_to_tensor(x) for x in tree.flatten(xs)]
        steps = int(length) if length is not None else int(flat_xs[0].shape[0])
    carry = init
    ys = [None] * steps
    for i in (range(steps - 1, -1, -1) if reverse else range(steps)):
        x = tree.pack_sequence_as(xs, [v[i] for v in flat_xs]) if xs is not None else None
        carry, ys[i] = f(carry, x)
    if steps == 0 or ys[0] is None:
        return carry, None
    stacked = tree.map_structure(
        lambda *leaves: None if leaves[0] is None else torch.stack(leaves), *ys
    )
    return carry, stacked


# -- control flow, functional transforms and scatter updates --------------------------------
# ``ops/core.py`` validates arguments and normalizes structures before calling these: the
# loop functions take the whole loop state as one argument, and ``custom_gradient``'s rule
# takes the upstream gradient as one argument and returns a tuple, one entry per argument.


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Replace ``loop_vars`` with ``body(loop_vars)`` while ``cond(loop_vars)`` holds (and
    fewer than ``maximum_iterations`` steps ran). A Python loop: torch runs eagerly."""
    limit = None if maximum_iterations is None else int(maximum_iterations)
    steps = 0
    while (limit is None or steps < limit) and bool(cond(loop_vars)):
        loop_vars = body(loop_vars)
        steps += 1
    return loop_vars


def fori_loop(lower, upper, body_fun, init_val):
    """``init_val`` passed through ``body_fun(i, value)`` for ``i`` in ``[lower, upper)``."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped into the valid range."""
    chosen = min(max(int(index), 0), len(branches) - 1)
    return branches[chosen](*operands)


def map(f, xs):
    """``f`` applied to each slice of ``xs`` along axis 0, results stacked along axis 0."""
    from lamina import tree

    flat = [convert_to_tensor(x) for x in tree.flatten(xs)]
    steps = int(flat[0].shape[0])
    if steps == 0:
        raise ValueError(
            "map: `xs` has length 0 along axis 0. The torch backend calls `f` once per "
            "element, so it cannot tell the shape of an empty result."
        )
    ys = [f(tree.pack_sequence_as(xs, [leaf[i] for leaf in flat])) for i in range(steps)]
    return tree.map_structure(
        lambda *leaves: torch.stack([convert_to_tensor(leaf) for leaf in leaves]), *ys
    )


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of ``elems`` along ``axis`` with the associative ``f(earlier, later)``.

    Hillis-Steele: ceil(log2(n)) rounds, each combining every element with the one
    ``offset`` places before it, so ``f`` is called a few times on whole slices instead of
    once per element. Reverse scans run on the flipped elements and flip the result back.
    """
    from lamina import tree

    flat = [convert_to_tensor(e) for e in tree.flatten(elems)]
    axis = axis % flat[0].dim()
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]
    size = int(flat[0].shape[axis])
    offset = 1
    while offset < size:
        earlier = tree.pack_sequence_as(elems, [e.narrow(axis, 0, size - offset) for e in flat])
        later = tree.pack_sequence_as(elems, [e.narrow(axis, offset, size - offset) for e in flat])
        combined = [convert_to_tensor(c) for c in tree.flatten(f(earlier, later))]
        flat = [torch.cat([e.narrow(axis, 0, offset), c.to(e.dtype)], dim=axis)
                for e, c in zip(flat, combined)]
        offset *= 2
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]
    return tree.pack_sequence_as(elems, flat)


def vectorized_map(function, elements):
    """``function`` mapped over axis 0 of ``elements`` in one batched call (``torch.vmap``)."""
    from lamina import tree

    elements = tree.map_structure(convert_to_tensor, elements)
    return torch.vmap(function)(elements)


class _CustomGradient(torch.autograd.Function):
    """Runs ``f`` without recording and answers backward with the rule ``f`` returned."""

    @staticmethod
    def forward(ctx, f, layout, *flat_args):
        from lamina import tree

        output, grad_fn = f(*tree.pack_sequence_as(layout["args"], list(flat_args)))
        layout["output"] = output
        ctx.grad_fn = grad_fn
        ctx.output = output
        ctx.takes_grad = [isinstance(a, torch.Tensor) for a in flat_args]
        return tuple(convert_to_tensor(o) for o in tree.flatten(output))

    @staticmethod
    def backward(ctx, *upstream):
        from lamina import tree

        grads = tree.flatten(list(ctx.grad_fn(tree.pack_sequence_as(ctx.output,
                                                                    list(upstream)))))
        grads = [None if g is None or not takes else convert_to_tensor(g)
                 for g, takes in zip(grads, ctx.takes_grad)]
        return (None, None, *grads)


def custom_gradient(f):
    """``f(*args) -> (output, grad_fn)`` as a function whose gradient is ``grad_fn``'s.

    ``grad_fn(upstream)`` gets the output's gradient (same structure as the output) and
    returns a tuple with one gradient per argument. Built on ``torch.autograd.Function``.
    """
    from lamina import tree

    def wrapper(*args):
        layout = {"args": args}
        flat = tree.flatten(args)
        outputs = _CustomGradient.apply(f, layout, *flat)
        return tree.pack_sequence_as(layout["output"], list(outputs))

    return wrapper


def _index_columns(indices, shape):
    """The ``(N, k)`` index rows as a list of k 1-D int64 tensors, negatives wrapped."""
    indices = convert_to_tensor(indices).to(torch.int64)
    return [torch.remainder(indices[:, d], shape[d]) for d in range(indices.shape[-1])]


def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (duplicates add up)."""
    values = convert_to_tensor(values)
    out = torch.zeros(tuple(int(s) for s in shape), dtype=values.dtype, device=values.device)
    return out.index_put(tuple(_index_columns(indices, out.shape)), values, accumulate=True)


_SCATTER_REDUCE = {"max": "amax", "min": "amin", "mul": "prod"}


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices``; duplicates combined by
    ``reduction`` (None: one write wins, or "add", "max", "min", "mul")."""
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates).to(inputs.dtype)
    columns = _index_columns(indices, inputs.shape)
    if reduction is None or reduction == "add":
        return inputs.index_put(tuple(columns), updates, accumulate=reduction == "add")
    # scatter_reduce works along one axis: address the indexed leading axes as one flat
    # axis, then give every element of an update row its row's index.
    depth = len(columns)
    flat_index = torch.zeros_like(columns[0])
    for column, size in zip(columns, inputs.shape[:depth]):
        flat_index = flat_index * size + column
    tail = inputs.shape[depth:]
    flat_inputs = inputs.reshape((-1, *tail))
    flat_updates = updates.reshape((-1, *tail))
    index = flat_index.reshape((-1,) + (1,) * len(tail)).expand(flat_updates.shape)
    out = flat_inputs.scatter_reduce(0, index, flat_updates, _SCATTER_REDUCE[reduction])
    return out.reshape(inputs.shape)


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates``."""
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates).to(inputs.dtype)
    index = tuple(slice(int(s), int(s) + n) for s, n in zip(start_indices, updates.shape))
    out = inputs.clone()
    out[index] = updates
    return out
