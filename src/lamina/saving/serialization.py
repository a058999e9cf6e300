"""Objects to JSON-friendly configs and back, in Keras 3's layout:
``{"module", "class_name", "config", "registered_name"}``.

Deserializing only looks names up in lamina's public modules and the registered custom
objects; it never imports modules named in a file or runs code from it.
"""

import inspect

from lamina.saving import registry

# Where class names are looked up, in order.
_PUBLIC_MODULES = (
    "lamina.layers",
    "lamina.models",
    "lamina.losses",
    "lamina.metrics",
    "lamina.optimizers",
    "lamina.initializers",
    "lamina.regularizers",
    "lamina.constraints",
    "lamina.activations",
)

# Classes Keras 3 exports (and so writes in configs) under another name than the class's.
_KERAS_EXPORT_NAMES = {"GroupedQueryAttention": "GroupQueryAttention"}


def serialize_keras_object(obj):
    """A config dict for ``obj`` (a layer, loss, ...), or its name for a function."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if inspect.isfunction(obj):
        return registry.get_registered_name(obj)
    cls = type(obj)
    module = cls.__module__
    # Keras 3's spelling of where its built-in classes live, so Keras can read our files.
    if cls.__name__ == "Functional" and module.startswith("lamina."):
        module, registered = "keras.src.models.functional", "Functional"
    elif cls.__name__ == "Sequential" and module.startswith("lamina."):
        module, registered = "keras", None
    elif module.startswith("lamina."):
        module, registered = "keras." + module.split(".")[1], None
    else:
        registered = registry._GLOBAL_CUSTOM_NAMES.get(cls, cls.__name__)
    class_name = cls.__name__
    if module.startswith("keras."):
        class_name = _KERAS_EXPORT_NAMES.get(class_name, class_name)
    return {
        "module": module,
        "class_name": class_name,
        "config": obj.get_config(),
        "registered_name": registered,
    }


def _find_class(name, custom_objects=None):
    import importlib

    obj = registry.get_registered_object(name, custom_objects)
    if obj is not None:
        return obj
    if name in ("OpLayer", "SymbolicOperator"):
        # Graph nodes lamina records for ops and operators on symbolic tensors.
        from lamina.layers.core import lambda_layer

        return getattr(lambda_layer, name)
    for module_name in _PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        obj = getattr(module, name, None)
        if obj is not None:
            return obj
    return None


def deserialize_keras_object(config, custom_objects=None):
    """Rebuild an object from :func:`serialize_keras_object`'s output."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        obj = _find_class(config, custom_objects)
        if obj is None:
            raise ValueError(
                f"Unknown object {config!r}. Pass it in `custom_objects` or register it with "
                "@lamina.saving.register_keras_serializable()."
            )
        return obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"Cannot deserialize {config!r}: expected a dict with 'class_name' and 'config'."
        )
    name = config["class_name"]
    cls = _find_class(config.get("registered_name") or name, custom_objects) or _find_class(
        name, custom_objects)
    if cls is None:
        raise ValueError(
            f"Unknown class {name!r} in a saved config. Pass it in `custom_objects` or "
            "register it with @lamina.saving.register_keras_serializable()."
        )
    inner = dict(config.get("config") or {})
    from_config = cls.from_config
    params = inspect.signature(from_config).parameters
    if "custom_objects" in params:
        return from_config(inner, custom_objects=custom_objects)
    return from_config(inner)
