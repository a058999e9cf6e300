"""Seeded random draws: ``normal``, ``uniform``, ``truncated_normal``, ``dropout``...

``seed`` may be None (the global generator), an int (the same draw every call) or a
``SeedGenerator`` (a new draw every call, fixed sequence).
"""

from lamina import backend
from lamina.random.seed_generator import draw_seed


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution with ``mean`` and ``stddev``."""
    return backend.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype,
                                 seed=draw_seed(seed))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples from a uniform distribution on ``[minval, maxval)``."""
    return backend.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype,
                                  seed=draw_seed(seed))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from ``[minval, maxval)``."""
    return backend.random.randint(shape, minval, maxval, dtype=dtype, seed=draw_seed(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples, redrawn when more than two standard deviations from ``mean``."""
    return backend.random.truncated_normal(shape, mean=mean, stddev=stddev, dtype=dtype,
                                           seed=draw_seed(seed))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero entries with probability ``rate`` and scale the rest by ``1 / (1 - rate)``."""
    inputs = backend.convert_to_tensor(inputs)
    shape = tuple(inputs.shape) if noise_shape is None else tuple(
        inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape)
    )
    keep = backend.random.bernoulli_mask(shape, rate, seed=draw_seed(seed))
    scaled = backend.numpy.divide(inputs, 1.0 - rate)
    return backend.numpy.where(keep, scaled, backend.numpy.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order."""
    return backend.random.shuffle(x, axis=axis, seed=draw_seed(seed))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class ids drawn from the softmax of each row of ``logits``."""
    return backend.random.categorical(logits, num_samples, dtype=dtype, seed=draw_seed(seed))


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from the gamma distribution with shape ``alpha`` (a number or an array
    broadcastable to ``shape``) and scale 1.

    Example:
        >>> lamina.random.gamma((2, 3), alpha=2.0, seed=1).shape
        (2, 3)
    """
    return backend.random.gamma(shape, alpha, dtype=dtype, seed=draw_seed(seed))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from the beta distribution with parameters ``alpha`` and ``beta`` (numbers
    or arrays broadcastable to ``shape``).

    Example:
        >>> lamina.random.beta((4,), alpha=2.0, beta=5.0, seed=1).shape
        (4,)
    """
    return backend.random.beta(shape, alpha, beta, dtype=dtype, seed=draw_seed(seed))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples from the binomial distribution: successes in ``counts`` trials, each with
    probability ``probabilities`` (numbers or arrays broadcastable to ``shape``); float
    values of ``dtype`` (floatx by default), as Keras returns them.

    Example:
        >>> lamina.random.binomial((3,), counts=10, probabilities=0.5, seed=1).shape
        (3,)
    """
    return backend.random.binomial(shape, counts, probabilities, dtype=dtype,
                                   seed=draw_seed(seed))
