"""``set_random_seed``: one call that makes lamina runs repeatable."""

import random

import numpy as np


def set_random_seed(seed):
    """Seed Python's ``random``, NumPy, the backend and lamina's global seed generator.

    After this, building and training the same model on the same data on CPU gives the same
    weights, bit for bit.

    Args:
        seed: a non-negative int.

    Example:
        >>> lamina.utils.set_random_seed(42)
    """
    from lamina import backend
    from lamina.random import seed_generator

    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_random_seed expects a non-negative int, got {seed!r}.")
    random.seed(seed)
    np.random.seed(seed)
    backend.random.manual_seed(seed)
    seed_generator.reset_global_seed_generator(seed)
