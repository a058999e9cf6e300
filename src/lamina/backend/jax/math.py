"""JAX math primitives: top-k, logsumexp, erf, segment sums and maxima, FFTs, i0."""

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


def _complex(real, imag):
    return jax.lax.complex(convert_to_tensor(real), convert_to_tensor(imag))


def _split(z):
    return jnp.real(z), jnp.imag(z)


def fft(real, imag):
    return _split(jnp.fft.fft(_complex(real, imag), axis=-1))


def fft2(real, imag):
    return _split(jnp.fft.fft2(_complex(real, imag), axes=(-2, -1)))


def ifft2(real, imag):
    return _split(jnp.fft.ifft2(_complex(real, imag), axes=(-2, -1)))


def rfft(x, fft_length=None):
    return _split(jnp.fft.rfft(convert_to_tensor(x), n=fft_length, axis=-1))


def irfft(real, imag, fft_length=None):
    return jnp.fft.irfft(_complex(real, imag), n=fft_length, axis=-1)


def view_as_complex(x):
    x = convert_to_tensor(x)
    return jax.lax.complex(x[..., 0], x[..., 1])


def view_as_real(x):
    x = convert_to_tensor(x)
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


def segment_max(data, segment_ids, num_segments=None):
    # Empty segments hold the dtype's lowest value, as in Keras (-inf for floats).
    return jax.ops.segment_max(convert_to_tensor(data), convert_to_tensor(segment_ids),
                               num_segments=num_segments)


def erfc(x):
    return jax.scipy.special.erfc(_float(x))


def i0(x):
    return jax.scipy.special.i0(convert_to_tensor(x))


def nextafter(x1, x2):
    return jnp.nextafter(convert_to_tensor(x1), convert_to_tensor(x2))


def fmax(x1, x2):
    return jnp.fmax(convert_to_tensor(x1), convert_to_tensor(x2))


def fmin(x1, x2):
    return jnp.fmin(convert_to_tensor(x1), convert_to_tensor(x2))


def segment_min(data, segment_ids, num_segments=None):
    # Empty segments hold the dtype's highest value (inf for floats).
    return jax.ops.segment_min(convert_to_tensor(data), convert_to_tensor(segment_ids),
                               num_segments=num_segments)


def segment_prod(data, segment_ids, num_segments=None):
    # Empty segments hold 1, the product of nothing.
    return jax.ops.segment_prod(convert_to_tensor(data), convert_to_tensor(segment_ids),
                                num_segments=num_segments)
