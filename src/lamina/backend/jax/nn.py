"""JAX neural-network primitives: activations, softmax, one-hot, normalization moments."""

import jax
import jax.numpy as jnp

from lamina.backend.jax.core import convert_to_tensor
from lamina.backend.jax.core import to_jax_dtype


def _float(x):
    x = convert_to_tensor(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(to_jax_dtype(None))
    return x


def relu(x):
    return jax.nn.relu(_float(x))


def relu6(x):
    return jax.nn.relu6(_float(x))


def sigmoid(x):
    return jax.nn.sigmoid(_float(x))


def log_sigmoid(x):
    return jax.nn.log_sigmoid(_float(x))


def softplus(x):
    return jax.nn.softplus(_float(x))


def softsign(x):
    return jax.nn.soft_sign(_float(x))


def silu(x):
    return jax.nn.silu(_float(x))


def gelu(x, approximate=True):
    return jax.nn.gelu(_float(x), approximate=approximate)


def elu(x, alpha=1.0):
    return jax.nn.elu(_float(x), alpha=alpha)


def selu(x):
    return jax.nn.selu(_float(x))


def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(_float(x), negative_slope=negative_slope)


def hard_sigmoid(x):
    return jax.nn.hard_sigmoid(_float(x))


def hard_silu(x):
    return jax.nn.hard_silu(_float(x))


def mish(x):
    x = _float(x)
    return x * jnp.tanh(jax.nn.softplus(x))


def softmax(x, axis=-1):
    return jax.nn.softmax(_float(x), axis=axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(_float(x), axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    # Negative or out-of-range ids give all-zero rows, as in Keras.
    return jax.nn.one_hot(convert_to_tensor(x), num_classes, axis=axis, dtype=to_jax_dtype(dtype))


def moments(x, axes, keepdims=False):
    x = _float(x)
    axes = tuple(axes)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    if not keepdims:
        mean = jnp.squeeze(mean, axis=axes)
        variance = jnp.squeeze(variance, axis=axes)
    return mean, variance
