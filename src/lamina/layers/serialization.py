"""``lamina.layers.serialize`` / ``deserialize``: a layer to and from its config dict, in the
form Keras 3 writes (``{"module", "class_name", "config", "registered_name"}``)."""

from lamina.saving import serialization


def serialize(layer):
    """The config dict of ``layer`` (its class and ``get_config()``), as Keras 3 writes it.

    Example:
        >>> lamina.layers.serialize(lamina.layers.Dense(2))["class_name"]
        'Dense'
    """
    return serialization.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from :func:`serialize`'s output.

    Args:
        config: the dict (``class_name`` and ``config``).
        custom_objects: name -> class for layers that are not lamina's own or registered.

    Returns:
        The layer.

    Example:
        >>> lamina.layers.deserialize({"class_name": "Dense", "config": {"units": 2}})
        <Dense name=dense, built=False>
    """
    from lamina.layers.layer import Layer

    layer = serialization.deserialize_keras_object(config, custom_objects=custom_objects)
    if not isinstance(layer, Layer):
        raise ValueError(
            "lamina.layers.deserialize: the config describes a "
            f"{type(layer).__name__}, not a layer. Use lamina.saving."
            "deserialize_keras_object for other objects.")
    return layer
