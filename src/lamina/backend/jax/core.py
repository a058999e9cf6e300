"""JAX core: arrays, dtypes, Variable storage, gradients.

A JAX Variable holds an immutable ``jax.Array`` by reference; ``assign`` swaps the reference.
Traced code (``value_and_grad``, the jitted train step) temporarily puts traced values into
variables, runs ordinary lamina code, reads the new values out and puts the originals back.
"""

import contextlib

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common import dtypes
from lamina.backend.common import scopes
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.backend.common.variables import BaseVariable

_X64 = bool(jax.config.jax_enable_x64)
_NARROW = {"float64": "float32", "int64": "int32", "uint64": "uint32", "complex128": "complex64"}


def to_jax_dtype(dtype):
    """The JAX dtype for a dtype name; 64-bit names narrow unless x64 is enabled."""
    name = dtypes.standardize_dtype(dtype)
    if not _X64:
        name = _NARROW.get(name, name)
    if name == "bfloat16":
        return jnp.bfloat16
    return jnp.dtype(name)


def get_device():
    """The default device kind: ``"gpu"``, ``"tpu"`` or ``"cpu"``."""
    return jax.devices()[0].platform


@contextlib.contextmanager
def device_scope(device_name):
    """Place the arrays and variables created inside on ``device_name`` (``"cpu:0"``,
    ``"gpu:1"``, ``"tpu:0"``), with ``jax.default_device``."""
    from lamina.backend.common.devices import parse_device_name

    kind, index = parse_device_name(device_name)
    try:
        devices = jax.devices(kind)
    except RuntimeError:
        devices = []
    if index >= len(devices):
        raise ValueError(
            f"device: {device_name!r} is not available on this machine (JAX sees "
            f"{len(devices)} {kind} device(s); all devices: "
            f"{[f'{d.platform}:{d.id}' for d in jax.devices()]})."
        )
    with jax.default_device(devices[index]):
        yield


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode Jacobian-vector product (``jax.jvp``): ``(outputs, tangents_out)`` or,
    with ``has_aux``, ``(outputs, tangents_out, aux)``."""
    primals = tuple(convert_to_tensor(p) for p in primals)
    tangents = tuple(convert_to_tensor(t, dtype=p.dtype) for p, t in zip(primals, tangents))
    return jax.jvp(fun, primals, tangents, has_aux=has_aux)


def remat(f):
    """``f`` recomputed in the backward pass instead of keeping its intermediate values
    (``jax.checkpoint``)."""
    return jax.checkpoint(f)


class Variable(BaseVariable):
    """A Variable whose value is a ``jax.Array`` held by reference."""

    def _convert(self, value):
        return convert_to_tensor(value, dtype=self._dtype)

    def _initialize(self, value):
        self._value = value

    def _direct_assign(self, value):
        self._value = value

    @property
    def value(self):
        if not scopes.OPEN.autocast:  # no mixed-precision layer is running anywhere
            return self._value
        dtype = scopes.autocast_dtype()
        if dtype is not None and self.autocast and jnp.issubdtype(self._value.dtype,
                                                                  jnp.floating):
            target = to_jax_dtype(dtype)
            if target != self._value.dtype:
                return self._value.astype(target)
        return self._value

    @property
    def shape(self):
        return tuple(self._value.shape)

    def __jax_array__(self):
        return self._value


def is_tensor(x):
    """True for a backend tensor (a ``jax.Array`` or a tracer)."""
    return isinstance(x, jax.Array)


def convert_to_tensor(x, dtype=None, sparse=None):
    """Convert ``x`` (array-like, Variable or tensor) to a JAX array of ``dtype``."""
    if isinstance(x, BaseVariable):
        x = x.value
    if isinstance(x, KerasTensor):
        raise TypeError(
            "A symbolic KerasTensor (from lamina.Input) has no value. Symbolic tensors are "
            "meant for building Functional models; pass real arrays to call a model."
        )
    if dtype is not None:
        dtype = to_jax_dtype(dtype)
    if isinstance(x, jax.Array):
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        return x
    if dtype is None:
        if isinstance(x, bool):
            dtype = jnp.bool_
        elif isinstance(x, int):
            dtype = jnp.int32
        elif isinstance(x, float):
            dtype = to_jax_dtype(None)
        elif isinstance(x, (list, tuple)):
            x = np.asarray(x)
            if x.dtype == np.float64:
                dtype = to_jax_dtype(None)
    if isinstance(x, np.ndarray) and (x.dtype == object or x.dtype.kind in "US"):
        raise TypeError(f"Cannot convert an array of dtype {x.dtype} to a tensor.")
    if dtype is None and isinstance(x, np.ndarray) and not _X64:
        narrow = _NARROW.get(x.dtype.name)
        if narrow:
            dtype = jnp.dtype(narrow)
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    """Convert an array (or Variable, or array-like) to a NumPy array."""
    if isinstance(x, BaseVariable):
        x = x.value
    x = np.asarray(x)
    if x.dtype.name == "bfloat16":
        x = x.astype("float32")
    return x


def cast(x, dtype):
    """Cast ``x`` to ``dtype``."""
    return convert_to_tensor(x).astype(to_jax_dtype(dtype))


def dtype_of(x):
    """The dtype name of an array."""
    return dtypes.standardize_dtype(x.dtype)


def shape(x):
    """The shape of an array as a tuple of ints."""
    return tuple(x.shape)


def stop_gradient(x):
    """``x`` with gradients blocked."""
    return jax.lax.stop_gradient(convert_to_tensor(x))


class _NoGrad:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def no_grad():
    """A do-nothing context: JAX records nothing outside ``value_and_grad``."""
    return _NoGrad()


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``, traceable when ``pred`` is traced."""
    if isinstance(pred, jax.core.Tracer):
        return jax.lax.cond(pred, true_fn, false_fn)
    return true_fn() if bool(pred) else false_fn()


def run_with_values(fn, variables, values):
    """Run ``fn()`` with ``variables`` temporarily holding ``values``.

    Returns ``(output, changed)`` where ``changed`` maps each other variable that ``fn``
    assigned to its new value; every variable holds its original value again afterwards.
    """
    originals = [v._value for v in variables]
    for v, value in zip(variables, values):
        v._value = value
    try:
        with scopes.assignment_recorder() as record:
            output = fn()
        own = {id(v) for v in variables}
        changed = []
        for key, (variable, old_value) in record.items():
            if key not in own:
                changed.append((variable, variable._value))
                variable._value = old_value
        final = [v._value for v in variables]
    finally:
        for v, value in zip(variables, originals):
            v._value = value
    return output, final, changed


def streams_host_batches():
    """False: a jitted step copies its NumPy arguments to the device itself, asynchronously
    (array data stays on the host for JAX, see ``data_adapter.batches_stay_on_host``)."""
    return False


# Training arrays kept in device memory, each step gathering its rows inside the compiled
# step (``device_resident_sources``): "auto" does it on an accelerator when the data fits
# DEVICE_DATA_FRACTION of the device's memory; True forces it (also on the CPU, where it
# costs a copy of the data: tests use it), False turns it off.
DEVICE_DATA = "auto"
DEVICE_DATA_FRACTION = 0.25
_DEFAULT_DEVICE_BYTES = 4 * 2**30  # when the device does not report its memory


def device_resident_sources(leaves):
    """For each leaf of array data (fit / evaluate / predict), the array the compiled step
    gathers rows from
    (on the device), or None where the batch is gathered on the host as before.

    Measured on an H200 (issue 5): host batches left the JAX mlp at 0.69x and the cnn at
    0.81x of a jitted loop that keeps its arrays on the device and gathers inside the step;
    eager device gathers (a dispatch each) were slower still. Here the data moves to the
    device once per ``fit`` and a step receives only its row indices (``DeviceRows``).
    On the CPU, NumPy data stays NumPy (a device copy would double its memory, and the
    host gather costs the same as the device one there); JAX arrays the user gave are
    already on the device and are used in place.
    """
    numeric = [leaf is not None and np.dtype(getattr(leaf, "dtype", object)).kind in "biuf"
               and len(getattr(leaf, "shape", ())) > 0 for leaf in leaves]
    if DEVICE_DATA is False:
        return [None] * len(leaves)
    host = [ok and isinstance(leaf, np.ndarray) for ok, leaf in zip(numeric, leaves)]
    move = DEVICE_DATA is True or (get_device() != "cpu" and _fits_device(
        sum(leaf.nbytes for leaf, h in zip(leaves, host) if h)))
    out = []
    for ok, is_host, leaf in zip(numeric, host, leaves):
        if ok and isinstance(leaf, jax.Array) and not isinstance(leaf, jax.core.Tracer):
            out.append(leaf)
        elif is_host and move:
            out.append(jax.device_put(leaf.astype(to_jax_dtype(leaf.dtype.name), copy=False)))
        else:
            out.append(None)
    return out


def _fits_device(nbytes):
    try:
        stats = jax.devices()[0].memory_stats() or {}
    except Exception:  # noqa: BLE001 - a backend without memory statistics
        stats = {}
    limit = stats.get("bytes_limit", _DEFAULT_DEVICE_BYTES)
    return nbytes <= DEVICE_DATA_FRACTION * limit


def host_batch_to_device(array):
    """One NumPy batch as a JAX array (``convert_to_tensor``)."""
    return convert_to_tensor(array)


def take_rows(x, indices):
    """The rows of ``x`` (a tensor, or a list of tensors) at ``indices`` (1-D non-negative
    ints, a NumPy array or a tensor): the batch gather of the data pipeline. One compiled
    call for all of them (eager ``jnp.take`` per tensor, plus moving the indices, would be
    several dispatches per batch)."""
    return _take_rows(x, indices)


@jax.jit
def _take_rows(x, indices):
    return jax.tree_util.tree_map(lambda leaf: jnp.take(leaf, indices, axis=0, mode="clip"), x)


def value_and_grad(fn, variables, has_aux=False):
    """Call ``fn()`` and return ``(value, grads)``, the gradients of value w.r.t. ``variables``.

    ``fn`` takes no arguments and returns a scalar loss, or ``(loss, aux)`` with
    ``has_aux=True``. State that ``fn`` updates (batch-norm statistics, seeds, metrics) is
    carried out of the differentiated function and assigned afterwards, as on torch.
    """
    variables = list(variables)

    def pure(values):
        output, final, changed = run_with_values(fn, variables, values)
        loss, aux = (output[0], output[1]) if has_aux else (output, None)
        # A differentiated variable that fn assigned (SpectralNormalization's kernel) keeps
        # its new value afterwards too, as on torch.
        changed += [(v, new) for v, new, old in zip(variables, final, values) if new is not old]
        return loss, (aux, [v for v, _ in changed], [value for _, value in changed])

    values = [v._value for v in variables]
    holder = {}

    def wrapped(values):
        loss, (aux, changed_vars, changed_values) = pure(values)
        holder["vars"] = changed_vars
        return loss, (aux, changed_values)

    (loss, (aux, changed_values)), grads = jax.value_and_grad(wrapped, has_aux=True)(values)
    for variable, value in zip(holder["vars"], changed_values):
        variable.assign(value)
    if has_aux:
        return (loss, aux), list(grads)
    return loss, list(grads)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``; stack the ``y``.

    Traced (inside ``jit`` or a gradient) this is ``jax.lax.scan``: XLA compiles the body
    once, however long the sequence. On concrete arrays it runs the steps op by op
    instead: ``lax.scan`` would trace and compile a fresh body on every eager call, which
    costs far more than a short loop. Both give the same values.
    """
    if xs is not None:
        xs = jax.tree_util.tree_map(convert_to_tensor, xs)
    leaves = jax.tree_util.tree_leaves((init, xs))
    if any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
        return jax.lax.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)
    steps = int(length) if length is not None else int(jax.tree_util.tree_leaves(xs)[0].shape[0])
    carry, ys = init, [None] * steps
    for i in (range(steps - 1, -1, -1) if reverse else range(steps)):
        x = jax.tree_util.tree_map(lambda v, i=i: v[i], xs) if xs is not None else None
        carry, ys[i] = f(carry, x)
    if steps == 0 or ys[0] is None:
        return carry, None
    return carry, jax.tree_util.tree_map(lambda *values: jnp.stack(values), *ys)


# -- control flow, functional transforms and scatter updates --------------------------------
# ``ops/core.py`` validates arguments and normalizes structures before calling these: the
# loop functions take the whole loop state as one argument, and ``custom_gradient``'s rule
# takes the upstream gradient as one argument and returns a tuple, one entry per argument.
# Each one traces: inside ``jit`` (fit's compiled step) the loops stay loops in XLA.


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Replace ``loop_vars`` with ``body(loop_vars)`` while ``cond(loop_vars)`` holds (and
    fewer than ``maximum_iterations`` steps ran): ``jax.lax.while_loop``."""
    if maximum_iterations is None:
        return jax.lax.while_loop(cond, body, loop_vars)

    # The step count rides along in the carry, so the limit also holds inside jit.
    def counted_cond(state):
        steps, values = state
        return jnp.logical_and(steps < maximum_iterations, cond(values))

    def counted_body(state):
        steps, values = state
        return steps + 1, body(values)

    return jax.lax.while_loop(counted_cond, counted_body, (jnp.int32(0), loop_vars))[1]


def fori_loop(lower, upper, body_fun, init_val):
    """``init_val`` passed through ``body_fun(i, value)`` for ``i`` in ``[lower, upper)``."""
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


def switch(index, branches, *operands):
    """``branches[index](*operands)``, with ``index`` clamped into the valid range.

    A concrete index calls its branch directly (``lax.switch`` would trace every branch);
    a traced one becomes ``jax.lax.switch``, which clamps the same way.
    """
    if isinstance(index, jax.core.Tracer):
        return jax.lax.switch(index.astype(jnp.int32), branches, *operands)
    chosen = min(max(int(index), 0), len(branches) - 1)
    return branches[chosen](*operands)


def map(f, xs):
    """``f`` applied to each slice of ``xs`` along axis 0, results stacked: ``lax.map``."""
    return jax.lax.map(f, jax.tree_util.tree_map(convert_to_tensor, xs))


def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive scan of ``elems`` along ``axis`` with the associative ``f(earlier, later)``:
    ``jax.lax.associative_scan``."""
    elems = jax.tree_util.tree_map(convert_to_tensor, elems)
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


def vectorized_map(function, elements):
    """``function`` mapped over axis 0 of ``elements`` in one batched call (``jax.vmap``)."""
    return jax.vmap(function)(jax.tree_util.tree_map(convert_to_tensor, elements))


def custom_gradient(f):
    """``f(*args) -> (output, grad_fn)`` as a function whose gradient is ``grad_fn``'s.

    ``grad_fn(upstream)`` gets the output's gradient (same structure as the output) and
    returns a tuple with one gradient per argument: ``jax.custom_gradient``.
    """
    return jax.custom_gradient(f)


def _index_key(indices):
    """The ``(N, k)`` index rows as the k-tuple of index vectors ``.at[]`` takes."""
    indices = convert_to_tensor(indices)
    return tuple(indices[:, d] for d in range(indices.shape[-1]))


def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (duplicates add up)."""
    values = convert_to_tensor(values)
    out = jnp.zeros(tuple(int(s) for s in shape), dtype=values.dtype)
    return out.at[_index_key(indices)].add(values)


def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices``; duplicates combined by
    ``reduction`` (None: one write wins, or "add", "max", "min", "mul")."""
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates).astype(inputs.dtype)
    at = inputs.at[_index_key(indices)]
    if reduction is None:
        return at.set(updates)
    return {"add": at.add, "max": at.max, "min": at.min, "mul": at.multiply}[reduction](updates)


def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates``:
    ``jax.lax.dynamic_update_slice`` (start indices may be traced)."""
    inputs = convert_to_tensor(inputs)
    updates = convert_to_tensor(updates).astype(inputs.dtype)
    return jax.lax.dynamic_update_slice(inputs, updates, tuple(start_indices))
