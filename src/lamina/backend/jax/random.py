"""JAX random draws. ``seed`` is a pair of uint32 (from a SeedGenerator or an int)."""

import math

import jax
import jax.numpy as jnp

from lamina.backend.jax.core import convert_to_tensor
from lamina.backend.jax.core import to_jax_dtype


def _key(seed):
    return jax.random.wrap_key_data(convert_to_tensor(seed).astype(jnp.uint32))


def _draw(sampler, seed, shape):
    """``sampler(key, shape)``, drawn flat in a power-of-two size when running eagerly.

    Eager JAX compiles a random op once per shape (about half a second each), which made
    building a model cost seconds per weight; drawing from a few bucket sizes and slicing
    compiles each bucket once. Inside a traced function shapes are static: draw directly.
    """
    shape = tuple(int(d) for d in shape)
    if isinstance(seed, jax.core.Tracer):
        return sampler(_key(seed), shape)
    size = math.prod(shape)
    bucket = 1 << max(10, (size - 1).bit_length())
    return sampler(_key(seed), (bucket,))[:size].reshape(shape)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    x = _draw(lambda key, s: jax.random.normal(key, s, dtype=jnp.float32), seed, shape)
    return (x * stddev + mean).astype(to_jax_dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    x = _draw(lambda key, s: jax.random.uniform(key, s, dtype=jnp.float32), seed, shape)
    return (x * (maxval - minval) + minval).astype(to_jax_dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return jax.random.randint(_key(seed), tuple(shape), minval, maxval,
                              dtype=to_jax_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    x = _draw(lambda key, s: jax.random.truncated_normal(key, -2.0, 2.0, s, dtype=jnp.float32),
              seed, shape)
    return (x * stddev + mean).astype(to_jax_dtype(dtype))


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(alpha, 1) samples."""
    alpha = jnp.broadcast_to(convert_to_tensor(alpha).astype(jnp.float32), tuple(shape))
    return jax.random.gamma(_key(seed), alpha, tuple(shape)).astype(to_jax_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(alpha, beta) samples."""
    shape = tuple(shape)
    alpha = jnp.broadcast_to(convert_to_tensor(alpha).astype(jnp.float32), shape)
    beta = jnp.broadcast_to(convert_to_tensor(beta).astype(jnp.float32), shape)
    return jax.random.beta(_key(seed), alpha, beta, shape).astype(to_jax_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(counts, probabilities) samples."""
    shape = tuple(shape)
    counts = jnp.broadcast_to(convert_to_tensor(counts).astype(jnp.float32), shape)
    probabilities = jnp.broadcast_to(
        convert_to_tensor(probabilities).astype(jnp.float32), shape)
    return jax.random.binomial(_key(seed), counts, probabilities, shape).astype(
        to_jax_dtype(dtype))


def bernoulli_mask(shape, rate, seed=None):
    """A boolean array of ``shape`` whose entries are True with probability ``1 - rate``."""
    return jax.random.uniform(_key(seed), tuple(shape)) >= rate


def shuffle(x, axis=0, seed=None):
    return jax.random.permutation(_key(seed), convert_to_tensor(x), axis=axis, independent=False)


def categorical(logits, num_samples, dtype="int32", seed=None):
    logits = convert_to_tensor(logits)
    samples = jax.random.categorical(_key(seed), logits[..., None, :],
                                     shape=logits.shape[:-1] + (num_samples,))
    return samples.astype(to_jax_dtype(dtype))


def next_seed(state):
    """None: JAX advances a SeedGenerator's state with array ops (SeedGenerator.next),
    which trace into a compiled step; torch's engine advances it on the host side."""
    return None


def seed_from_int(seed):
    """Turn an int seed into the pair a draw takes."""
    return [0, int(seed) & 0xFFFFFFFF]


def manual_seed(seed):
    """JAX has no global generator; nothing to seed."""
SEED_DTYPE = "uint32"
