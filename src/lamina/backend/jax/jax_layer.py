"""The JAX side of ``lamina.layers.JaxLayer``: pytrees of parameters flattened into leaves
(one lamina Variable each) and rebuilt for the wrapped function, and raw PRNG keys."""

import jax
import jax.numpy as jnp
import numpy as np


def flatten(tree):
    """``(leaves, treedef)`` of a pytree (``treedef`` rebuilds it with ``unflatten``)."""
    return jax.tree_util.tree_flatten(tree)


def copy(leaf):
    """A fresh device copy of ``leaf``: the compiled training step donates the Variables'
    buffers, which must not delete the arrays the user passed in."""
    return jnp.array(leaf, copy=True)


def unflatten(treedef, leaves):
    """The pytree of ``treedef`` holding ``leaves``."""
    return jax.tree_util.tree_unflatten(treedef, list(leaves))


def key_from_seed(seed):
    """A raw ``uint32[2]`` PRNG key (``jax.random.PRNGKey``'s format) from a lamina seed
    pair (what ``SeedGenerator.next()`` returns)."""
    return jnp.asarray(seed).astype(jnp.uint32).reshape(2)


def key_from_int(seed):
    """``jax.random.PRNGKey(seed)``."""
    return jax.random.PRNGKey(int(seed))


def ones_like_shapes(shapes):
    """Arrays of ones for a structure of shapes (``None`` dimensions become 1), as the
    placeholder inputs ``init_fn`` is given."""
    def make(shape):
        return jnp.ones(tuple(1 if d is None else int(d) for d in shape), jnp.float32)

    return jax.tree_util.tree_map(
        make, shapes, is_leaf=lambda s: isinstance(s, tuple) and all(
            d is None or isinstance(d, (int, np.integer)) for d in s))
