"""``clone_model``: a new model with the same architecture and fresh weights."""


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """Make a copy of a Sequential or Functional ``model`` with newly initialized weights.

    The clone is rebuilt from the model's config, so it shares no layers or weights with the
    original. Copy weights over with ``clone.set_weights(model.get_weights())``.

    Args:
        model: a Sequential or Functional model.
        input_tensors: not supported by lamina yet; must be None.
        clone_function: an optional function ``layer -> new layer`` applied to each layer's
            config-rebuilt copy (Sequential models only).

    Returns:
        The new model.

    Example:
        >>> clone = lamina.models.clone_model(model)
    """
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
