"""Seeded shuffling and train / test splits shared by the tabular and Reuters loaders.

They reproduce Keras's order exactly: ``np.random.RandomState(seed)`` shuffles the sample
indices, and the first ``int(n * (1 - test_split))`` shuffled samples are for training.
"""

import numpy as np


def check_test_split(test_split, loader):
    """Raise ValueError unless ``0 <= test_split < 1``.

    Args:
        test_split: the fraction of samples kept for testing.
        loader: the loader's name, for the message (``"boston_housing.load_data"``).

    Example:
        >>> check_test_split(0.2, "boston_housing.load_data")
    """
    if not 0 <= test_split < 1:
        raise ValueError(
            f"{loader}: test_split must be a fraction in [0, 1), got test_split={test_split!r}. "
            "Use e.g. 0.2 to keep a fifth of the samples for testing."
        )


def shuffled_indices(num_samples, rng):
    """A permutation of ``range(num_samples)`` drawn from ``rng``, as Keras draws it.

    Args:
        num_samples: how many samples there are.
        rng: a ``np.random.RandomState``; it advances, so two calls give two orders.

    Returns:
        An int array of shape ``(num_samples,)``.

    Example:
        >>> shuffled_indices(4, np.random.RandomState(113)).shape
        (4,)
    """
    # Equal to shuffling np.arange(num_samples) in place, which is what Keras does.
    return rng.permutation(num_samples)


def num_train(num_samples, test_split):
    """How many of ``num_samples`` go to training: ``int(num_samples * (1 - test_split))``.

    Example:
        >>> num_train(506, 0.2)
        404
    """
    return int(num_samples * (1 - test_split))


def shuffle_and_split(x, y, test_split, seed):
    """Shuffle ``x`` and ``y`` together with ``seed``, then split off the last part for testing.

    Args:
        x: the samples, an array.
        y: the targets, an array of the same length.
        test_split: the fraction of samples for the test set.
        seed: the shuffling seed.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``.

    Example:
        >>> (x_train, _), (x_test, _) = shuffle_and_split(np.arange(10), np.arange(10), 0.2, 1)
        >>> len(x_train), len(x_test)
        (8, 2)
    """
    indices = shuffled_indices(len(x), np.random.RandomState(seed))
    x, y = x[indices], y[indices]
    cut = num_train(len(x), test_split)
    return (x[:cut], y[:cut]), (x[cut:], y[cut:])
