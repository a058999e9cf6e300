"""JAX math primitives: top-k, logsumexp, erf, segment sums."""

import jax
import jax.numpy as jnp

from lamina.backend.jax.core import convert_to_tensor
from lamina.backend.jax.core import to_jax_dtype


def _float(x):
    x = convert_to_tensor(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(to_jax_dtype(None))
    return x


def top_k(x, k, sorted=True):
    return jax.lax.top_k(convert_to_tensor(x), k)


def in_top_k(targets, predictions, k):
    targets = convert_to_tensor(targets).astype(jnp.int32)
    predictions = convert_to_tensor(predictions)
    target_values = jnp.take_along_axis(predictions, targets.reshape(-1, 1), axis=1)
    # Ties count in favour of the target, as in Keras: rank = number of strictly larger.
    rank = jnp.sum(predictions > target_values, axis=1)
    return rank < k


def logsumexp(x, axis=None, keepdims=False):
    return jax.scipy.special.logsumexp(_float(x), axis=axis, keepdims=keepdims)


def erf(x):
    return jax.scipy.special.erf(_float(x))


def erfinv(x):
    return jax.scipy.special.erfinv(_float(x))


def rsqrt(x):
    return jax.lax.rsqrt(_float(x))


def segment_sum(data, segment_ids, num_segments=None):
    return jax.ops.segment_sum(convert_to_tensor(data), convert_to_tensor(segment_ids),
                               num_segments=num_segments)


def norm(x, ord=None, axis=None, keepdims=False):
    return jnp.linalg.norm(_float(x), ord=ord, axis=axis, keepdims=keepdims)


def qr(x, mode="reduced"):
    return jnp.linalg.qr(_float(x), mode=mode)
