"""Boston housing prices: 506 districts, 13 features each (``keras.datasets.boston_housing``)."""

import numpy as np

from lamina.datasets import _fetch
from lamina.datasets import _splits

_ORIGIN_FOLDER = _fetch.TF_KERAS_DATASETS
_FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"  # sha256


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing data (StatLib, late 1970s), shuffled and split.

    Each sample holds 13 attributes of a Boston suburb; the target is the median home
    value in thousands of dollars. Use with care: one feature ("B") encodes an assumption
    about racial self-segregation, so this dataset is best kept to illustrating the ethical
    problems of data (``california_housing`` is a replacement).

    Args:
        path: the file's name in the cache, ``~/.keras/datasets/``. Defaults to
            ``"boston_housing.npz"``.
        test_split: the fraction of samples for the test set, in [0, 1). Defaults to 0.2.
        seed: the seed of the shuffle before the split. Defaults to 113.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x_*`` float arrays of shape
        ``(num_samples, 13)``, ``y_*`` float arrays of shape ``(num_samples,)`` (prices
        mostly between 10 and 50).

    Raises:
        ValueError: ``test_split`` is outside [0, 1).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = lamina.datasets.boston_housing.load_data()
        >>> x_train.shape, x_test.shape
        ((404, 13), (102, 13))
    """
    _splits.check_test_split(test_split, "boston_housing.load_data")
    local_path = _fetch.fetch(path, _ORIGIN_FOLDER + "boston_housing.npz", _FILE_HASH)
    with np.load(local_path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return _splits.shuffle_and_split(x, y, test_split, seed)
