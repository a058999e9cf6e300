"""``Layer.stateless_call``: a layer's forward pass as a pure function of weight values.

The values are bound to the layer's Variables inside a ``StatelessScope`` for the call, so
nothing is written to the Variables: the new values of the non-trainable ones (batch-norm
statistics, seed states) come back with the outputs. This is what a hand-written JAX
training loop differentiates and jits (``jax.value_and_grad`` over the trainable values).
"""

from lamina.backend.common.stateless_scope import StatelessScope

_NOT_BUILT = (
    "Layer {name!r}: stateless_call needs the layer's variables, which do not exist yet. "
    "Build it first, e.g. by calling it on a batch of data or with `layer.build(shape)`."
)
_WRONG_COUNT = (
    "Layer {name!r}: stateless_call got {given} {kind} values, but the layer has {expected} "
    "{kind} variables. Pass one value per entry of `layer.{kind}_variables`, in that order."
)


def stateless_call(layer, trainable_variables, non_trainable_variables, *args,
                   return_losses=False, **kwargs):
    """Call ``layer(*args, **kwargs)`` with its variables bound to the given values.

    Returns ``(outputs, non_trainable_values)``, plus the losses the call added when
    ``return_losses`` is true. See ``Layer.stateless_call``.
    """
    if not layer.built:
        raise ValueError(_NOT_BUILT.format(name=layer.name))
    trainable, non_trainable = layer.trainable_variables, layer.non_trainable_variables
    for kind, values, variables in (("trainable", trainable_variables, trainable),
                                    ("non_trainable", non_trainable_variables, non_trainable)):
        if len(values) != len(variables):
            raise ValueError(_WRONG_COUNT.format(name=layer.name, given=len(values),
                                                 kind=kind, expected=len(variables)))
    mapping = list(zip(trainable, trainable_variables)) + \
        list(zip(non_trainable, non_trainable_variables))
    with StatelessScope(state_mapping=mapping, collect_losses=return_losses) as scope:
        outputs = layer(*args, **kwargs)
        losses = list(layer.losses) if return_losses else None
    # The call's losses were computed from the bound values (under jax.jit, traced ones):
    # the layers must not keep them past this call.
    layer._clear_losses()
    new_values = [scope.get_current_value(v) for v in non_trainable]
    if return_losses:
        return outputs, new_values, losses
    return outputs, new_values
