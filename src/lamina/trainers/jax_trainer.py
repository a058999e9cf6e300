"""JAX step functions: the shared ``train_step`` traced into one ``jax.jit`` function.

1. The first call runs eagerly, so layers, optimizer slots and metric variables that are
   created lazily exist before tracing.
2. Later calls pass the values of every state Variable (weights, seeds, optimizer and
   metric state) into a jitted function that puts them into the Variables, runs the step,
   and returns the new values with the logs; Python then writes them back.
"""

import jax

from lamina.backend.jax.core import run_with_values

_UNTRACKED_STATE = (
    "A compiled step assigned Variable(s) {names} that the model does not track, so their "
    "new values cannot leave the compiled function. Keep state in layers, metrics, "
    "optimizers or SeedGenerators stored as attributes of the model, or compile with "
    "run_eagerly=True."
)


def make_step_function(model, step, kind):
    """Return ``fn(batch) -> logs or outputs`` for ``kind`` in train / test / predict."""
    if model.run_eagerly or model.jit_compile is False:
        return step
    compiled = {}

    def pure(values, batch, state):
        output, final, changed = run_with_values(lambda: step(batch), state, values)
        model._clear_losses()  # losses added while tracing must not outlive the trace
        if changed:
            names = sorted({v.path for v, _ in changed})
            raise RuntimeError(_UNTRACKED_STATE.format(names=names))
        return output, final

    def run(batch):
        if "fn" not in compiled:
            output = step(batch)  # 1. eager warm-up creates all lazy state
            state = model._state_variables()
            compiled["state"] = state
            # Donating the old state lets XLA update it in place; the CPU runtime cannot
            # reuse donated buffers, so there it would only add a warning.
            donate = (0,) if jax.devices()[0].platform != "cpu" else ()
            compiled["fn"] = jax.jit(lambda values, b: pure(values, b, state),
                                     donate_argnums=donate)
            # jit returns dicts with sorted keys; keep the step's own order (loss first).
            compiled["keys"] = list(output) if isinstance(output, dict) else None
            return output
        state = compiled["state"]
        output, final = compiled["fn"]([v._value for v in state], batch)
        for variable, value in zip(state, final):
            variable._value = value
        if kind != "predict":
            output = jax.device_get(output)  # the logs, fetched in one transfer
        keys = compiled["keys"]
        if keys is not None and isinstance(output, dict) and list(output) != keys:
            output = {k: output[k] for k in keys if k in output} | output
        return output

    return run
