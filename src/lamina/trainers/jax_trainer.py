"""JAX step functions: the shared ``train_step`` traced into one ``jax.jit`` function.

1. The jitted function takes the values of every state Variable (weights, seeds, optimizer
   and metric state) and a batch, puts the values into the Variables, runs the step, and
   returns the new values with the logs; Python then writes them back (a reference swap
   per Variable, no copy).
2. The first call traces the step directly, once the optimizer is built: the same as every
   later call, so the first epoch pays for one compilation and nothing else. When tracing
   creates a Variable (state that a custom metric or step builds lazily), that attempt is
   dropped, the step runs once eagerly to create the state, and the trace is redone.
3. Logs stay on device: nothing waits for a step to finish, so Python prepares the next
   batch while XLA runs this one. The trainer converts logs when they are shown.
4. ``steps_per_execution=N`` runs N steps inside one compiled call (``lax.scan`` over N
   stacked batches), the state carried from one to the next on device. When fit chooses
   N by itself (short steps), it asks for that function during the first epoch
   (``precompile_many``): traced at once, compiled by XLA on a background thread while the
   first epoch's steps go on, so the second epoch starts without a compilation stall.
5. Array data may live on the device (on an accelerator: see
   ``backend.core.device_resident_sources``): such a batch leaf is a ``DeviceRows``, and
   the compiled function receives the whole array and the step's row indices and gathers
   the batch inside, as a hand-written jitted loop does. Only the indices cross the bus.
"""

import os

import jax
import numpy as np

from lamina.backend.common import scopes
from lamina.backend.common.device_rows import DeviceRows
from lamina.backend.common.device_rows import materialize_batch
from lamina.backend.jax.core import run_with_values

# fit may run several steps per compiled call by itself when steps are very short (see
# trainer._AUTO_STEPS): one dispatch per step then costs as much as the step.
AUTO_STEPS_PER_EXECUTION = True
# fit may hand the train step DeviceRows batches (rows of device-resident arrays).
GATHERS_IN_STEP = True

_UNTRACKED_STATE = (
    "A compiled step assigned Variable(s) {names} that the model does not track, so their "
    "new values cannot leave the compiled function. Keep state in layers, metrics, "
    "optimizers or SeedGenerators stored as attributes of the model, or compile with "
    "run_eagerly=True."
)


def _to_device(batch):
    """NumPy leaves of a batch as JAX arrays (for steps that run eagerly)."""
    return jax.tree_util.tree_map(
        lambda leaf: jax.numpy.asarray(leaf) if isinstance(leaf, np.ndarray) else leaf,
        materialize_batch(batch))


def _same_shapes(batches):
    def signature(batch):
        return [(getattr(leaf, "shape", None), getattr(leaf, "dtype", None))
                for leaf in jax.tree_util.tree_leaves(batch)]

    first = signature(batches[0])
    return all(signature(b) == first for b in batches[1:])


def _stack(batches):
    """K batches of the same structure as one batch whose leaves have a leading K axis."""
    def stack(*leaves):
        if isinstance(leaves[0], DeviceRows):  # the rows stack; the source stays one array
            return leaves[0].stacked(leaves[1:])
        if all(isinstance(leaf, np.ndarray) for leaf in leaves):
            return np.stack(leaves)
        return jax.numpy.stack(leaves)  # JAX arrays (data given as such) stay on the device

    return jax.tree_util.tree_map(stack, *batches)


def make_step_function(model, step, kind):
    """Return ``fn(batch) -> logs or outputs`` for ``kind`` in train / test / predict.

    The returned function also has ``fn.run_many(batches)``: the logs after running every
    batch in order (predict: the outputs of all of them, concatenated).
    """
    if model.run_eagerly or model.jit_compile is False:
        def eager(batch):
            return step(_to_device(batch))

        def eager_many(batches):
            outputs = [eager(b) for b in batches]
            return _combine(kind, outputs)

        eager.run_many = eager_many
        return eager
    compiled = {}

    def pure(values, batch, state):
        output, final, changed = run_with_values(lambda: step(batch), state, values)
        if isinstance(output, dict):  # jit sorts dict keys; remember the step's own order
            compiled["keys"] = list(output)
        model._clear_losses()  # losses added while tracing must not outlive the trace
        if changed:
            names = sorted({v.path for v, _ in changed})
            raise RuntimeError(_UNTRACKED_STATE.format(names=names))
        # The new state first: jit gives each donated input buffer to the first output of
        # its shape and dtype, so the state's scalars keep their own buffers (a scalar log
        # listed first took one, and XLA copied several scalars every step to allow it).
        return final, output

    def pure_changed(values, batch, state):
        """``pure`` returning only the state the step changed, as ``{index: value}``.

        Evaluation and prediction change little or nothing (metric totals, an RNN's
        states): returning every weight would copy it on each call.
        """
        final, output = pure(values, batch, state)
        return {i: new for i, (new, old) in enumerate(zip(final, values))
                if new is not old}, output

    def pure_many(values, batches, state):
        def body(carry, batch):
            final, output = pure(carry, batch, state)
            return final, output

        final, outputs = jax.lax.scan(body, values, batches)
        if kind == "predict":  # (K, batch, ...) -> (K * batch, ...)
            outputs = jax.tree_util.tree_map(
                lambda o: o.reshape((-1,) + tuple(o.shape[2:])), outputs)
        else:  # the logs after the last step hold the running results
            outputs = jax.tree_util.tree_map(lambda o: o[-1], outputs)
        return final, outputs

    one_step = pure if kind == "train" else pure_changed

    def jit(fn, state, spec):
        # Training donates the old state so XLA updates it in place (weights and optimizer
        # slots are not copied every step). Evaluation and prediction return only what
        # they change, so nothing is donated (a donated, unreturned weight would be lost).
        donate = (0,) if kind == "train" else ()
        if spec is None:
            return jax.jit(lambda values, b: fn(values, b, state), donate_argnums=donate)

        def gathering(values, b, sources):
            # spec[i]: which source leaf i's rows index (-1: leaf i is the batch itself).
            leaves, treedef = jax.tree_util.tree_flatten(b)
            leaves = [leaf if k < 0 else sources[k][leaf] for leaf, k in zip(leaves, spec)]
            return fn(values, jax.tree_util.tree_unflatten(treedef, leaves), state)

        return jax.jit(gathering, donate_argnums=donate)

    def call(fn_key, maker, batch):
        state = compiled["state"]
        batch, sources, spec = _split_rows(batch)
        key = fn_key if spec is None else (fn_key, spec)
        fn = compiled.get(key)
        if fn is None:
            fn = compiled[key] = jit(maker, state, spec)
        elif isinstance(fn, _Precompiled):
            fn = compiled[key] = fn.get() or jit(maker, state, spec)
        values = [v._value for v in state]
        if len(set(map(id, values))) < len(values):
            values = _unshare(values)
        args = (values, batch) if spec is None else (values, batch, sources)
        try:
            final, output = fn(*args)
        except TypeError:
            if not isinstance(fn, jax.stages.Compiled):
                raise
            # Arguments that differ from those it was compiled for (checked before any
            # buffer is donated): the plain jitted function compiles for them instead.
            fn = compiled[key] = jit(maker, state, spec)
            final, output = fn(*args)
        if isinstance(final, dict):
            for index, value in final.items():
                state[index]._value = value
        else:
            for variable, value in zip(state, final):
                variable._value = value
        return output

    def first_call(batch):
        """Trace directly when all state exists; else warm up eagerly, then trace."""
        own_step = getattr(step, "__func__", None) is _default_step(kind)
        if own_step:
            optimizer = getattr(model, "optimizer", None)
            if kind == "train" and optimizer is not None and not optimizer.built:
                optimizer.build(model.trainable_variables)
            compiled["state"] = model._state_variables()
            try:
                with scopes.no_new_variables():
                    return call("one", one_step, batch)
            except scopes.NewVariableInCompiledStep:
                model._clear_losses()
                compiled.pop("one", None)
        output = step(_to_device(batch))  # creates the lazily built state
        compiled["state"] = model._state_variables()
        if isinstance(output, dict):
            compiled["keys"] = list(output)
        return output

    def run(batch):
        if "state" not in compiled:
            output = first_call(batch)
        else:
            output = call("one", one_step, batch)
        return _ordered(output, compiled.get("keys"))

    def run_many(batches):
        if len(batches) == 1 or "state" not in compiled or not _same_shapes(batches):
            outputs = [run(b) for b in batches]
            return _combine(kind, outputs)
        output = call("many", pure_many, _stack(batches))
        return _ordered(output, compiled.get("keys"))

    def precompile_many(batch, count):
        """Compile the function ``run_many`` uses for ``count`` batches shaped like
        ``batch``, on a background thread (traced here, on the calling thread: tracing
        reads and swaps the Variables' values)."""
        if "state" not in compiled or count < 2 or not _spare_core_for_compiling():
            return
        stacked, sources, spec = _split_rows(_stack([batch] * count))
        key = "many" if spec is None else ("many", spec)
        if key in compiled:
            return
        state = compiled["state"]
        values = [v._value for v in state]
        if len(set(map(id, values))) < len(values):
            values = _unshare(values)
        fn = jit(pure_many, state, spec)
        args = (values, stacked) if spec is None else (values, stacked, sources)
        try:
            lowered = fn.lower(*args)
        except Exception:  # noqa: BLE001 - the regular path compiles when it is called
            return
        compiled[key] = _Precompiled(_compile_executor().submit(lowered.compile))

    run.run_many = run_many
    run.precompile_many = precompile_many
    run.compiled = compiled  # the jitted functions and their state, for inspection
    return run


def _spare_core_for_compiling():
    """Whether a background compilation runs beside the steps rather than against them: on
    an accelerator, or with 4+ CPU cores. (On the 2-core benchmark machine XLA:CPU's steps
    and dispatch thread fill both cores: compiling beside them made the first epoch of
    `tiny` 0.1 s slower and the second barely faster.)"""
    return jax.default_backend() != "cpu" or (os.cpu_count() or 1) >= 4


class _Precompiled:
    """A compilation running on the background thread (see ``precompile_many``)."""

    def __init__(self, future):
        self.future = future

    def get(self):
        """The compiled function (waiting for it), or None when compiling failed."""
        try:
            return self.future.result()
        except Exception:  # noqa: BLE001 - the caller compiles the plain way instead
            return None


_EXECUTOR = []


def _compile_executor():
    if not _EXECUTOR:
        import concurrent.futures

        _EXECUTOR.append(concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="lamina-compile"))
    return _EXECUTOR[0]


def _split_rows(batch):
    """``(batch, sources, spec)``: ``batch`` with each ``DeviceRows`` leaf replaced by its
    rows, the distinct source arrays, and per leaf the index of its source (-1: a plain
    leaf); ``(batch, None, None)`` when no leaf is a ``DeviceRows``."""
    leaves, treedef = jax.tree_util.tree_flatten(batch)
    if not any(isinstance(leaf, DeviceRows) for leaf in leaves):
        return batch, None, None
    sources, spec, out = [], [], []
    for leaf in leaves:
        if isinstance(leaf, DeviceRows):
            index = next((i for i, s in enumerate(sources) if s is leaf.source), None)
            if index is None:
                index = len(sources)
                sources.append(leaf.source)
            spec.append(index)
            out.append(leaf.rows)
        else:
            spec.append(-1)
            out.append(leaf)
    return jax.tree_util.tree_unflatten(treedef, out), tuple(sources), tuple(spec)


def _unshare(values):
    """Copies for arrays that several Variables share: a donated buffer is given once."""
    seen, out = set(), []
    for value in values:
        out.append(value.copy() if id(value) in seen else value)
        seen.add(id(value))
    return out


def _ordered(output, keys):
    # jit returns dicts with sorted keys; keep the step's own order (loss first).
    if keys is not None and isinstance(output, dict) and list(output) != keys:
        output = {k: output[k] for k in keys if k in output} | output
    return output


def _combine(kind, outputs):
    if kind != "predict":
        return outputs[-1]
    return jax.tree_util.tree_map(lambda *parts: jax.numpy.concatenate(parts, axis=0),
                                  *outputs)


def _default_step(kind):
    from lamina.trainers.trainer import Trainer

    return {"train": Trainer.train_step, "test": Trainer.test_step,
            "predict": Trainer.predict_step}[kind]
