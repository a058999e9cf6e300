"""``clone_model``: a new model with the same architecture and fresh weights."""

import warnings


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """Make a copy of a Sequential or Functional ``model`` with newly initialized weights.

    The clone is rebuilt from the model's config, so it shares no layers or weights with the
    original. Copy weights over with ``clone.set_weights(model.get_weights())``. A compiled
    model's clone is compiled the same way (a fresh optimizer of the same settings), as in
    Keras.

    Args:
        model: a Sequential or Functional model.
        input_tensors: not supported by lamina yet; must be None.
        clone_function: an optional function ``layer -> new layer`` applied to each layer's
            config-rebuilt copy (Sequential models only).

    Returns:
        The new model (compiled when ``model`` is).

    Example:
        >>> clone = lamina.models.clone_model(model)
    """
    clone = _clone_architecture(model, input_tensors, clone_function, call_function)
    if getattr(model, "compiled", False):
        try:
            clone.compile_from_config(model.get_compile_config())
        except Exception as error:  # e.g. a custom loss that is not registered
            warnings.warn(
                f"clone_model: the clone could not be compiled like the original "
                f"({type(error).__name__}: {error}); it is returned uncompiled. Call "
                "clone.compile(...) yourself, or register custom objects with "
                "lamina.saving.register_keras_serializable().", stacklevel=2)
    return clone


def _clone_architecture(model, input_tensors, clone_function, call_function):
    """The uncompiled copy (see ``clone_model``)."""
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if input_tensors is not None or call_function is not None:
        raise ValueError(
            "clone_model: `input_tensors` and `call_function` are not supported by lamina "
            "yet. Clone without them, or rebuild the model in code."
        )
    if isinstance(model, Sequential):
        clone = Sequential.from_config(model.get_config())
        if clone_function is not None:
            layers = [clone_function(layer) for layer in clone.layers]
            rebuilt = Sequential(name=clone.name)
            if model._input_layer is not None:
                from lamina.layers.core.input_layer import Input

                rebuilt.add(Input(batch_shape=model._input_layer.batch_shape,
                                  dtype=model._input_layer.dtype))
            for layer in layers:
                rebuilt.add(layer)
            return rebuilt
        return clone
    if isinstance(model, Functional):
        if clone_function is not None:
            raise ValueError("clone_model: `clone_function` supports Sequential models only.")
        return Functional.from_config(model.get_config())
    raise ValueError(
        f"clone_model works on Sequential and Functional models, got {type(model).__name__}. "
        "For a subclassed model, create a new instance of its class."
    )
