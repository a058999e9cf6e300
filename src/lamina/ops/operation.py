"""``Operation`` (``keras.Operation``): the base class of a computation that runs on tensors
and records itself in Functional graphs when given symbolic tensors."""

import abc
import inspect
import re

from lamina.backend import scopes
from lamina.ops.symbolic import _holds_symbolic


def _snake_case(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Operation(metaclass=abc.ABCMeta):  # noqa: B024 (ABCMeta: Layer registers)
    """A computation on tensors, written as ``call``: calling the operation on tensors runs
    ``call``; calling it on symbolic tensors (``lamina.Input``, ``lamina.KerasTensor``)
    returns symbolic outputs and records the operation in the graph, so a Functional model
    or ``lamina.Function`` can run it later. Every lamina ``Layer`` is an ``Operation``.

    A subclass implements ``call`` and may implement ``compute_output_spec`` (the output
    ``KerasTensor`` for symbolic inputs); without it the output is found by running
    ``call`` on placeholder values.

    Args:
        name: the operation's name (default: from the class name).

    Example:
        >>> class Double(lamina.Operation):
        ...     def call(self, x):
        ...         return lamina.ops.multiply(x, 2)
        >>> inputs = lamina.Input((3,))
        >>> model = lamina.Model(inputs, Double()(inputs))
    """

    def __init__(self, *args, name=None, **kwargs):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Operation `name` must be a string, got {name!r}.")
        self.name = name or scopes.unique_name(_snake_case(type(self).__name__))

    def call(self, *args, **kwargs):
        """The computation; override in subclasses."""
        raise NotImplementedError(
            f"abstract: operation {type(self).__name__} must implement call()")

    def compute_output_spec(self, *args, **kwargs):
        """The outputs (``KerasTensor``) for symbolic inputs: by default found by running
        ``call`` on placeholder values."""
        return _OperationLayer(self).compute_output_spec(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        """Record the operation on symbolic inputs; return its symbolic outputs."""
        return _OperationLayer(self)(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        if _holds_symbolic(args) or (kwargs and _holds_symbolic(kwargs.values())):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def get_config(self):
        """The arguments that rebuild the operation (its name by default)."""
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        """A new operation from ``get_config()``'s dict."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _make_operation_layer():
    from lamina.layers.layer import Layer

    class OperationLayer(Layer):
        """A graph node for an ``Operation`` called on symbolic tensors."""

        def __init__(self, operation):
            super().__init__(name=operation.name)
            self._operation = operation
            parameters = inspect.signature(operation.call).parameters
            self._takes_training = "training" in parameters or any(
                p.kind == p.VAR_KEYWORD for p in parameters.values())

        def call(self, *args, **kwargs):
            if not self._takes_training:
                kwargs.pop("training", None)
            return self._operation.call(*args, **kwargs)

        def compute_output_spec(self, *args, **kwargs):
            own = type(self._operation).compute_output_spec
            if own is not Operation.compute_output_spec:
                kwargs.pop("training", None)
                return self._operation.compute_output_spec(*args, **kwargs)
            return super().compute_output_spec(*args, **kwargs)

    return OperationLayer


def _OperationLayer(operation):  # noqa: N802 (a class made on first use)
    global _OPERATION_LAYER
    if _OPERATION_LAYER is None:
        _OPERATION_LAYER = _make_operation_layer()
    return _OPERATION_LAYER(operation)


_OPERATION_LAYER = None
