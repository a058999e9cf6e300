"""``Lambda`` wraps a Python function as a layer; ``symbolic_op`` does the same for
operators used on symbolic tensors (``x + 1``, ``x[:, 0]``) in Functional code.
"""

import contextlib
import inspect
import threading

from lamina import ops
from lamina.layers.layer import Layer

_safe_mode = threading.local()
# The safe mode outside any load_model call (enable_unsafe_deserialization turns it off).
_DEFAULT_SAFE_MODE = [True]

_STORED_CODE = (
    "The file holds a Lambda layer {name!r} whose function is stored as Python bytecode. "
    "Loading it as stored would run code from the file: safe_mode=True (the default) "
    "refuses that, and lamina never does it in any mode. To load the model, opt in with "
    "your own copy of the function: load_model(path, safe_mode=False, "
    "custom_objects={{{name!r}: my_function}}); lamina then uses my_function in place of "
    "the stored code."
)


def enable_unsafe_deserialization():
    """Turn safe mode off for configs deserialized outside ``load_model`` (whose own
    ``safe_mode`` argument still decides for its file), as Keras 3 does.

    lamina never runs code stored in a file in any mode: with safe mode off, a Lambda layer
    whose function was stored as code takes the function passed in ``custom_objects`` under
    the layer's name instead of being refused.

    Example:
        >>> lamina.config.enable_unsafe_deserialization()
    """
    _DEFAULT_SAFE_MODE[0] = False


def _in_safe_mode():
    return getattr(_safe_mode, "value", _DEFAULT_SAFE_MODE[0])


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """While loading a file: refuse Lambda layers whose function is stored as code."""
    previous = getattr(_safe_mode, "value", None)
    _safe_mode.value = bool(safe_mode)
    try:
        yield
    finally:
        if previous is None:
            del _safe_mode.value
        else:
            _safe_mode.value = previous


class Lambda(Layer):
    """A layer that applies ``function`` to its input.

    Args:
        function: a callable ``function(inputs, **arguments)``.
        output_shape: the output shape (or a function of the input shape), used when the
            output shape cannot be inferred by running the function.
        mask: a mask (or a function of inputs and mask) to attach; kept for Keras
            compatibility.
        arguments: extra keyword arguments passed to ``function``.

    Example:
        >>> double = lamina.layers.Lambda(lambda x: x * 2)
        >>> double(np.ones((1, 2)))  # [[2., 2.]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}.")
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        params = inspect.signature(function).parameters
        self._fn_takes_training = "training" in params
        self._fn_takes_mask = "mask" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        batch = input_shape[0] if input_shape and not isinstance(input_shape[0], tuple) \
            else None
        return (batch,) + tuple(self._output_shape)

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:
            from lamina.layers.layer import run_on_placeholders

            return run_on_placeholders(self, args, kwargs)
        return super().compute_output_spec(*args, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a Lambda whose function is registered or passed in ``custom_objects``.

        A function stored as code (Keras's ``__lambda__`` entries) is never run. With
        ``safe_mode=True`` (the default) such a layer is refused; with ``safe_mode=False``
        the function the user passes in ``custom_objects`` under the layer's name takes its
        place.
        """
        from lamina.saving import registry

        config = dict(config)
        function = config.pop("function")
        if isinstance(function, dict) and function.get("class_name") == "__lambda__":
            name = config.get("name")
            replacement = (custom_objects or {}).get(name)
            if _in_safe_mode() or not callable(replacement):
                raise ValueError(_STORED_CODE.format(name=name))
            return cls(replacement, **config)
        if isinstance(function, dict):
            function = function.get("config", function.get("class_name"))
        resolved = registry.get_registered_object(function, custom_objects)
        if resolved is None:
            raise ValueError(
                f"Lambda layer {config.get('name')!r} needs the function {function!r}. Pass "
                "it in custom_objects or register it with "
                "@lamina.saving.register_keras_serializable()."
            )
        return cls(resolved, **config)

    def get_config(self):
        from lamina.saving import registry

        config = super().get_config()
        # Keras 3 writes a named function as this dict (and reads only this form); the
        # function is found again by its (registered) name, never stored as code.
        function = {"module": "builtins", "class_name": "function",
                    "config": registry.get_registered_name(self.function),
                    "registered_name": "function"}
        config.update({
            "function": function,
            "output_shape": self._output_shape if not callable(self._output_shape) else None,
            "arguments": self.arguments,
        })
        return config


_OPERATORS = {
    "add": lambda a, b: ops.add(a, b),
    "radd": lambda a, b: ops.add(b, a),
    "subtract": lambda a, b: ops.subtract(a, b),
    "rsubtract": lambda a, b: ops.subtract(b, a),
    "multiply": lambda a, b: ops.multiply(a, b),
    "rmultiply": lambda a, b: ops.multiply(b, a),
    "divide": lambda a, b: ops.divide(a, b),
    "rdivide": lambda a, b: ops.divide(b, a),
    "power": lambda a, b: ops.power(a, b),
    "matmul": lambda a, b: ops.matmul(a, b),
    "negative": lambda a, b: ops.negative(a),
    "absolute": lambda a, b: ops.absolute(a),
    # A saved config turns the index tuple into a JSON list; index with a tuple again.
    "getitem": lambda a, b: a[tuple(b) if isinstance(b, list) else b],
}


class SymbolicOperator(Layer):
    """The layer recorded when an operator is used on a symbolic tensor."""

    def __init__(self, operator, **kwargs):
        super().__init__(**kwargs)
        self.operator = operator
        self._fn = _OPERATORS[operator]

    def call(self, x, other=None):
        return self._fn(x, other)

    def get_config(self):
        config = super().get_config()
        config["operator"] = self.operator
        return config


def symbolic_op(operator, x, other=None):
    """Record ``operator`` applied to the symbolic tensor ``x`` (and ``other``)."""
    return SymbolicOperator(operator)(x, other)


class OpLayer(Layer):
    """The layer recorded when a ``lamina.ops`` function is applied to symbolic tensors.

    Args:
        op: the op (an undecorated function from ``lamina.ops``).
    """

    def __init__(self, op, **kwargs):
        from lamina.backend import scopes

        kwargs.setdefault("name", scopes.unique_name(op.__name__))
        super().__init__(**kwargs)
        self.op = op
        self.autocast = False
        self._call_has_training_arg = False

    def call(self, *args, **kwargs):
        return self.op(*args, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["op"] = self.op.__name__
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from the op's name (looked up in ``lamina.ops`` only)."""
        config = dict(config)
        name = config.pop("op")
        op = getattr(ops, name, None)
        if op is None:
            raise ValueError(f"OpLayer: unknown op {name!r} in a saved config.")
        return cls(getattr(op, "__wrapped__", op), **config)

