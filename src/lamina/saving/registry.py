"""Names to objects: custom-object registration and the ``get`` / ``serialize`` /
``deserialize`` trio every identifier family (initializers, activations, ...) shares.
"""

import contextlib
import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_scope = threading.local()


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function so saved configs can name it.

    Example:
        >>> @lamina.saving.register_keras_serializable(package="my_package")
        ... class MyLayer(lamina.layers.Layer): ...
    """

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: a registered class needs get_config()."
            )
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


# The name the lamina issue tracker uses; Keras 3 spells it register_keras_serializable.
register_serializable = register_keras_serializable


def get_custom_objects():
    """The global dict of custom objects (name -> class or function); may be edited."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj):
    """The name ``obj`` was registered under, else its ``__name__``."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Look ``name`` up in the scoped, the given, the global and the module objects."""
    for table in (_scoped_objects(), custom_objects or {}, _GLOBAL_CUSTOM_OBJECTS,
                  module_objects or {}):
        if name in table:
            return table[name]
    for registered, obj in _GLOBAL_CUSTOM_OBJECTS.items():
        if registered.split(">", 1)[-1] == name:
            return obj
    return None


def _scoped_objects():
    merged = {}
    for objects in getattr(_scope, "stack", []):
        merged.update(objects)
    return merged


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Within the scope, names in ``custom_objects`` resolve when loading configs."""
    stack = getattr(_scope, "stack", None)
    if stack is None:
        stack = _scope.stack = []
    stack.append(dict(custom_objects or {}))
    try:
        yield
    finally:
        stack.pop()


CustomObjectScope = custom_object_scope


def make_getter(kind, all_objects, aliases, base_class=None, instantiate=True,
                module_path=None):
    """Build ``get``, ``serialize`` and ``deserialize`` for one family of objects.

    Args:
        kind: a word for error messages, e.g. ``"initializer"``.
        all_objects: class (or function) name -> object.
        aliases: snake-case string name -> object.
        base_class: instances of it pass through ``get`` unchanged.
        instantiate: whether ``get`` turns a class into an instance.
        module_path: the Keras module name written in serialized configs.
    """
    module_path = module_path or f"keras.{kind}s"
    plural = f"{kind}es" if kind.endswith("s") else f"{kind}s"

    def valid_names():
        return sorted(set(aliases) | set(all_objects))

    def deserialize(config, custom_objects=None):
        if isinstance(config, str):
            return get(config) if not custom_objects else _lookup(config, custom_objects)
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(
                f"Cannot deserialize {kind} from {config!r}: expected a dict with "
                "'class_name' and 'config'."
            )
        name = config["class_name"]
        if name in ("__function__", "function"):  # Keras writes functions as "function"
            return _lookup(config["config"], custom_objects)
        cls = _lookup(config.get("registered_name") or name, custom_objects, fallback=name)
        inner = config.get("config") or {}
        if inspect.isclass(cls):
            return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
        return cls

    def _lookup(name, custom_objects=None, fallback=None):
        table = dict(all_objects)
        table.update(aliases)
        obj = get_registered_object(name, custom_objects, table)
        if obj is None and fallback is not None:
            obj = get_registered_object(fallback, custom_objects, table)
        if obj is None:
            raise ValueError(
                f"Unknown {kind}: {name!r}. Valid {plural} are: {', '.join(valid_names())}. "
                "A custom one must be passed in `custom_objects` or registered with "
                "@lamina.saving.register_keras_serializable()."
            )
        return obj

    def get(identifier):
        if identifier is None:
            return None
        if base_class is not None and isinstance(identifier, base_class):
            return identifier
        if isinstance(identifier, dict):
            return deserialize(identifier)
        if isinstance(identifier, str):
            obj = _lookup(identifier)
            return obj() if instantiate and inspect.isclass(obj) else obj
        if inspect.isclass(identifier) and instantiate:
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(
            f"Could not interpret {kind} identifier: {identifier!r}. Pass a name (one of "
            f"{', '.join(valid_names())}), a {kind} object or a callable."
        )

    def serialize(obj):
        if obj is None:
            return None
        if inspect.isfunction(obj) or inspect.isbuiltin(obj):
            return get_registered_name(obj)
        config = obj.get_config() if hasattr(obj, "get_config") else {}
        cls = type(obj)
        registered = _GLOBAL_CUSTOM_NAMES.get(cls)
        return {
            "module": module_path if cls.__name__ in all_objects else cls.__module__,
            "class_name": cls.__name__,
            "config": config,
            "registered_name": registered,
        }

    get.__doc__ = (
        f"The {kind} named by ``identifier`` (a name, a config dict, a {kind} or a "
        f"callable); None gives None.\n\nRaises:\n    ValueError: for an unknown name, "
        f"listing the valid {plural}."
    )
    serialize.__doc__ = f"A JSON-friendly config for a {kind} (its name, for a function)."
    deserialize.__doc__ = (
        f"The {kind} described by a config from ``serialize`` (or a name); "
        "``custom_objects`` maps extra names."
    )
    return get, serialize, deserialize
