"""What the built-in recurrent cells share about their weights: the initializer /
regularizer / constraint options, the ``kernel`` and ``recurrent_kernel`` they create in
Keras's layout, ``unit_forget_bias``, and how those options appear in configs."""

from lamina import constraints
from lamina import initializers
from lamina import ops
from lamina import regularizers


def check_units(layer_name, units):
    """Raise a clear error unless ``units`` is a positive int."""
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"{layer_name}: `units` must be a positive int, got {units!r}.")


def serialize_weight_options(layer):
    """The initializer and regularizer entries of a recurrent config."""
    return {
        "kernel_initializer": initializers.serialize(layer.kernel_initializer),
        "recurrent_initializer": initializers.serialize(layer.recurrent_initializer),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        "kernel_regularizer": regularizers.serialize(layer.kernel_regularizer),
        "recurrent_regularizer": regularizers.serialize(layer.recurrent_regularizer),
        "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
    }


def serialize_constraints(layer):
    """The constraint entries of a recurrent config."""
    return {
        "kernel_constraint": constraints.serialize(layer.kernel_constraint),
        "recurrent_constraint": constraints.serialize(layer.recurrent_constraint),
        "bias_constraint": constraints.serialize(layer.bias_constraint),
    }


def set_weight_options(cell, kernel_initializer, recurrent_initializer, bias_initializer,
                       kernel_regularizer, recurrent_regularizer, bias_regularizer,
                       kernel_constraint, recurrent_constraint, bias_constraint):
    """Store the weight options every recurrent cell takes."""
    cell.kernel_initializer = initializers.get(kernel_initializer)
    cell.recurrent_initializer = initializers.get(recurrent_initializer)
    cell.bias_initializer = initializers.get(bias_initializer)
    cell.kernel_regularizer = regularizers.get(kernel_regularizer)
    cell.recurrent_regularizer = regularizers.get(recurrent_regularizer)
    cell.bias_regularizer = regularizers.get(bias_regularizer)
    cell.kernel_constraint = constraints.get(kernel_constraint)
    cell.recurrent_constraint = constraints.get(recurrent_constraint)
    cell.bias_constraint = constraints.get(bias_constraint)


def add_recurrent_weights(cell, input_dim, gates):
    """Create ``kernel (input_dim, gates * units)`` and ``recurrent_kernel
    (units, gates * units)``, in Keras's order."""
    cell.kernel = cell.add_weight(
        shape=(input_dim, gates * cell.units), initializer=cell.kernel_initializer,
        regularizer=cell.kernel_regularizer, constraint=cell.kernel_constraint, name="kernel")
    cell.recurrent_kernel = cell.add_weight(
        shape=(cell.units, gates * cell.units), initializer=cell.recurrent_initializer,
        regularizer=cell.recurrent_regularizer, constraint=cell.recurrent_constraint,
        name="recurrent_kernel")
    if gates > 1:
        # LSTM / GRU: gates outermost in memory, the layout torch's fused layers (oneDNN
        # on CPU) read, so each step hands them the transposed kernels without a copy.
        cell.kernel._set_memory_order((1, 0))
        cell.recurrent_kernel._set_memory_order((1, 0))


def forget_bias_initializer(bias_initializer, units):
    """Keras's ``unit_forget_bias``: the forget-gate block of the bias starts at 1."""

    def initialize(shape, dtype=None):
        return ops.concatenate([
            bias_initializer((units,), dtype=dtype),
            ops.ones((units,), dtype=dtype),
            bias_initializer((2 * units,), dtype=dtype),
        ])

    return initialize
