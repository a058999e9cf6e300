"""California housing prices: 20,640 districts, 8 features each
(``keras.datasets.california_housing``)."""

import numpy as np

from lamina.datasets import _fetch
from lamina.datasets import _splits

_ORIGIN_FOLDER = _fetch.TF_KERAS_DATASETS
_FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"  # sha256
_VERSIONS = ("small", "large")
# The "small" version is the first 600 samples: about the size of the Boston data it replaces.
_SMALL_SIZE = 600


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load the California housing data (1990 US census, StatLib), shuffled and split.

    One sample per census block group, with 8 features: median income, median house age,
    average rooms and bedrooms per household, population, average household size,
    latitude and longitude. The target is the median house value in dollars.

    Args:
        version: ``"large"`` (the default: all 20,640 samples) or ``"small"`` (the first
            600, a stand-in for the Boston housing data).
        path: the file's name in the cache, ``~/.keras/datasets/``. Defaults to
            ``"california_housing.npz"``.
        test_split: the fraction of samples for the test set, in [0, 1). Defaults to 0.2.
        seed: the seed of the shuffle before the split. Defaults to 113.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_*`` float arrays of shape
        ``(num_samples, 8)``, ``y_*`` float arrays of shape ``(num_samples,)`` (values
        mostly between 25,000 and 500,000).

    Raises:
        ValueError: an unknown ``version``, or ``test_split`` outside [0, 1).

    Example:
        >>> (x_train, _), (x_test, _) = lamina.datasets.california_housing.load_data("small")
        >>> x_train.shape, x_test.shape
        ((480, 8), (120, 8))
    """
    if version not in _VERSIONS:
        raise ValueError(
            f"california_housing.load_data: version must be 'small' (600 samples) or "
            f"'large' (20,640 samples), got version={version!r}."
        )
    _splits.check_test_split(test_split, "california_housing.load_data")
    local_path = _fetch.fetch(path, _ORIGIN_FOLDER + "california_housing.npz", _FILE_HASH)
    with np.load(local_path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:_SMALL_SIZE], y[:_SMALL_SIZE]
    return _splits.shuffle_and_split(x, y, test_split, seed)
