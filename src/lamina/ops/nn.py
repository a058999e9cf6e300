"""Neural-network ops: activations, softmax, one-hot, cross-entropies, normalization.

Primitives come from the backend; the composites below (cross-entropies, batch
normalization, ``normalize``) are written once here from other ops.
"""

from lamina.backend import config
from lamina.backend import nn as _impl
from lamina.ops import core as _core
from lamina.ops import math as _math
from lamina.ops import numpy as _np
from lamina.ops.symbolic import dispatch


@dispatch
def relu(x):
    """Rectified linear unit: ``max(x, 0)``."""
    return _impl.relu(x)


@dispatch
def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``."""
    return _impl.relu6(x)


@dispatch
def sigmoid(x):
    """Logistic sigmoid: ``1 / (1 + exp(-x))``."""
    return _impl.sigmoid(x)


@dispatch
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return _impl.log_sigmoid(x)


@dispatch
def softplus(x):
    """``log(1 + exp(x))``, computed stably."""
    return _impl.softplus(x)


@dispatch
def softsign(x):
    """``x / (1 + |x|)``."""
    return _impl.softsign(x)


@dispatch
def silu(x):
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``."""
    return _impl.silu(x)


@dispatch
def swish(x):
    """Alias of :func:`silu`."""
    return _impl.silu(x)


@dispatch
def gelu(x, approximate=True):
    """Gaussian error linear unit; the tanh approximation when ``approximate``."""
    return _impl.gelu(x, approximate=approximate)


@dispatch
def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return _impl.elu(x, alpha=alpha)


@dispatch
def selu(x):
    """Scaled ELU with the self-normalizing constants (scale 1.0507, alpha 1.6733)."""
    return _impl.selu(x)


@dispatch
def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return _impl.leaky_relu(x, negative_slope=negative_slope)


@dispatch
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: ``relu6(x + 3) / 6``."""
    return _impl.hard_sigmoid(x)


@dispatch
def hard_silu(x):
    """``x * hard_sigmoid(x)`` (hard swish)."""
    return _impl.hard_silu(x)


hard_swish = hard_silu


@dispatch
def mish(x):
    """``x * tanh(softplus(x))``."""
    return _impl.mish(x)


@dispatch
def softmax(x, axis=-1):
    """Exponentials normalized to sum to 1 along ``axis``."""
    return _impl.softmax(x, axis=axis)


@dispatch
def log_softmax(x, axis=-1):
    """``log(softmax(x))``, computed stably."""
    return _impl.log_softmax(x, axis=axis)


@dispatch
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer ids; ids outside ``[0, num_classes)`` give all-zero rows.

    Example:
        >>> ops.one_hot([0, 2], 3)  # [[1, 0, 0], [0, 0, 1]]
    """
    return _impl.one_hot(x, num_classes, axis=axis, dtype=dtype)


@dispatch
def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    """Encode each row of integer ids as a vector with ones at those ids."""
    encoded = one_hot(inputs, num_classes, axis=axis, dtype=dtype)
    return _np.max(encoded, axis=axis - 1 if axis < 0 else axis)


@dispatch
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and (population) variance of ``x`` over ``axes``."""
    return _impl.moments(x, axes, keepdims=keepdims)


@dispatch
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalize ``x`` with the given statistics: ``(x - mean) / sqrt(var + eps) * scale + offset``.

    ``mean``, ``variance``, ``offset`` and ``scale`` are 1-D, laid along ``axis``.
    """
    ndim = _np.ndim(x)
    axis = axis % ndim
    shape = [1] * ndim
    shape[axis] = -1

    def expand(v):
        return None if v is None else _np.reshape(v, shape)

    inv = _math.rsqrt(_np.add(expand(variance), epsilon))
    if scale is not None:
        inv = _np.multiply(inv, expand(scale))
    result = _np.multiply(_np.subtract(x, expand(mean)), inv)
    if offset is not None:
        result = _np.add(result, expand(offset))
    return result


@dispatch
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x`` divided by its ``order``-norm along ``axis``."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    norm = _math.norm(x, ord=order, axis=axis, keepdims=True)
    return _np.divide(x, _np.maximum(norm, epsilon))


@dispatch
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy between targets in [0, 1] and predictions.

    With ``from_logits=False``, ``output`` is a probability, clipped to
    ``[epsilon, 1 - epsilon]`` as Keras does; with ``True``, it is a logit and the stable
    form ``max(x, 0) - x * z + log(1 + exp(-|x|))`` is used.
    """
    target = _core.cast_like(target, output)
    if from_logits:
        return _np.add(
            _np.subtract(relu(output), _np.multiply(output, target)),
            _np.log1p(_np.exp(_np.negative(_np.absolute(output)))),
        )
    eps = config.epsilon()
    output = _np.clip(output, eps, 1.0 - eps)
    return _np.negative(
        _np.add(
            _np.multiply(target, _np.log(output)),
            _np.multiply(_np.subtract(1.0, target), _np.log(_np.subtract(1.0, output))),
        )
    )


@dispatch
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and predictions along ``axis``.

    With ``from_logits=False`` the predictions are rescaled to sum to 1 and clipped to
    ``[epsilon, 1 - epsilon]``, as Keras does.
    """
    target = _core.cast_like(target, output)
    if from_logits:
        log_prob = log_softmax(output, axis=axis)
    else:
        output = _np.divide(output, _np.sum(output, axis=axis, keepdims=True))
        eps = config.epsilon()
        log_prob = _np.log(_np.clip(output, eps, 1.0 - eps))
    return _np.negative(_np.sum(_np.multiply(target, log_prob), axis=axis))


@dispatch
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy between integer class ids and predictions along ``axis``.

    ``target`` has the shape of ``output`` without ``axis`` (a trailing axis of size 1 is
    also accepted, as in Keras).
    """
    if _np.ndim(target) == _np.ndim(output) and _core.shape(target)[-1] == 1:
        target = _np.squeeze(target, axis=-1)
    num_classes = _core.shape(output)[axis]
    target = one_hot(_core.cast(target, "int32"), num_classes, axis=axis, dtype=_core.dtype(output))
    return categorical_crossentropy(target, output, from_logits=from_logits, axis=axis)
