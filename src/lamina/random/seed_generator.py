"""``SeedGenerator``: random state kept in a Variable, so it is saved, traced and restored.

Each ``next()`` returns the current seed pair and advances the state, so successive draws
differ while the whole sequence is fixed by the starting seed.
"""

import random as _py_random

from lamina import backend


def make_default_seed():
    """A fresh int seed from Python's ``random`` module (fixed by ``set_random_seed``)."""
    return _py_random.randint(1, int(1e9))


class SeedGenerator:
    """A stateful source of seeds for random ops.

    Args:
        seed: an int fixing the sequence; None draws one from Python's ``random``.
        name: an optional name for the state variable.

    Example:
        >>> gen = lamina.random.SeedGenerator(42)
        >>> a = lamina.random.normal((2,), seed=gen)
        >>> b = lamina.random.normal((2,), seed=gen)  # differs from a
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = make_default_seed()
        elif not isinstance(seed, int):
            raise ValueError(f"SeedGenerator: `seed` must be an int or None, got {seed!r}.")
        self._initial_seed = seed
        self.name = name or "seed_generator"
        self.state = backend.Variable(
            backend.random.seed_from_int(seed),
            shape=(2,),
            dtype=backend.random.SEED_DTYPE,
            trainable=False,
            name=f"{self.name}_state",
        )

    def next(self):
        """Return the current seed pair and advance the state."""
        seed = backend.random.next_seed(self.state)
        if seed is not None:  # the engine advanced the state itself (torch)
            return seed
        seed = self.state.value
        self.state.assign(backend.numpy.add(seed, backend.convert_to_tensor(
            [0, 1], dtype=backend.random.SEED_DTYPE)))
        return seed

    def get_config(self):
        """The constructor arguments."""
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        """Make a generator from :meth:`get_config`'s output."""
        return cls(**config)


_global_generator = None


def global_seed_generator():
    """The generator used by random ops called with ``seed=None``."""
    global _global_generator
    if _global_generator is None:
        _global_generator = SeedGenerator(name="global_seed_generator")
    return _global_generator


def reset_global_seed_generator(seed=None):
    """Start the global generator afresh (``set_random_seed`` calls this)."""
    global _global_generator
    _global_generator = SeedGenerator(seed, name="global_seed_generator")


def draw_seed(seed):
    """Turn ``seed`` (None, an int, or a SeedGenerator) into the pair a draw takes."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        return global_seed_generator().next()
    if isinstance(seed, int):
        return backend.convert_to_tensor(backend.random.seed_from_int(seed),
                                         dtype=backend.random.SEED_DTYPE)
    if backend.is_tensor(seed):
        return seed
    raise ValueError(
        f"`seed` must be None, an int or a lamina.random.SeedGenerator, got {seed!r}."
    )
