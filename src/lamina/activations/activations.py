"""Activation functions (``lamina.activations``): Keras's names, arguments and defaults."""

from lamina import backend
from lamina import ops


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional leak, cap and threshold.

    ``f(x) = max_value`` for ``x >= max_value``, ``x`` for ``threshold <= x < max_value``
    and ``negative_slope * (x - threshold)`` otherwise.

    Example:
        >>> lamina.activations.relu([-1.0, 2.0])  # [0., 2.]
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x)
    below = ops.multiply(negative_slope, ops.subtract(x, threshold))
    result = ops.where(ops.greater(x, threshold), x, below)
    if max_value is not None:
        result = ops.minimum(result, max_value)
    return result


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with ``scale=1.0507``, ``alpha=1.6733``."""
    return ops.selu(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * P(X <= x)``; tanh approximation if ``approximate``."""
    return ops.gelu(x, approximate=approximate)


def silu(x):
    """``x * sigmoid(x)``."""
    return ops.silu(x)


swish = silu


def mish(x):
    """``x * tanh(softplus(x))``."""
    return ops.mish(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    output = ops.sigmoid(x)
    _remember_logits(output, x)
    return output


def _remember_logits(output, logits):
    """Keep the logits on a probability tensor, where the engine lets tensors carry
    attributes (torch), so that a cross-entropy loss on it takes the stable and faster
    logits form, as Keras's TensorFlow backend does. Compiled JAX steps fuse it anyway."""
    if backend.is_tensor(output) and backend.is_tensor(logits):
        try:
            output._keras_logits = logits
        except (AttributeError, TypeError):
            pass


def hard_sigmoid(x):
    """``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between."""
    return ops.hard_sigmoid(x)


def hard_silu(x):
    """``x * hard_sigmoid(x)``."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def softmax(x, axis=-1):
    """Exponentials normalized to sum to 1 along ``axis``."""
    output = ops.softmax(x, axis=axis)
    if axis == -1:
        _remember_logits(output, x)
    return output


def log_softmax(x, axis=-1):
    """``log(softmax(x))``, computed stably."""
    return ops.log_softmax(x, axis=axis)


def softplus(x):
    """``log(exp(x) + 1)``."""
    return ops.softplus(x)


def softsign(x):
    """``x / (|x| + 1)``."""
    return ops.softsign(x)


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


def exponential(x):
    """``exp(x)``."""
    return ops.exp(x)


def linear(x):
    """The identity: returns ``x`` unchanged."""
    return x


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return ops.celu(x, alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: halves ``a, b`` of ``x`` along ``axis`` give ``a * sigmoid(b)``."""
    return ops.glu(x, axis=axis)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return ops.hard_tanh(x)


def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return ops.log_sigmoid(x)


def soft_shrink(x, threshold=0.5):
    """Shrink ``x`` towards 0 by ``threshold`` (0 inside ``[-threshold, threshold]``)."""
    return ops.soft_shrink(x, threshold=threshold)


def sparse_plus(x):
    """0 below -1, ``x`` above 1, ``(x + 1)^2 / 4`` between."""
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, ``(x + 1) / 2`` between."""
    return ops.sparse_sigmoid(x)


def sparsemax(x, axis=-1):
    """Projection of ``x`` onto the probability simplex (a softmax with exact zeros)."""
    return ops.sparsemax(x, axis=axis)


def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``."""
    return ops.squareplus(x, b=b)


def tanh_shrink(x):
    """``x - tanh(x)``."""
    return ops.tanh_shrink(x)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value``."""
    return ops.threshold(x, threshold, default_value)


# Activations that are one engine call on a real tensor: layers call the engine function
# on their outputs directly, skipping the op-dispatch layers (a few microseconds per call
# on torch, which adds up in small eager steps).
_ENGINE_FORMS = {relu: backend.nn.relu, tanh: backend.numpy.tanh}


def engine_form(activation):
    """The function a layer applies for ``activation`` to a real (non-symbolic) tensor:
    the engine's own function where it computes the same thing, else ``activation``.

    Example:
        >>> engine_form(relu)(x)  # the same values as relu(x)
    """
    return _ENGINE_FORMS.get(activation, activation)
