"""Small standard datasets (``lamina.datasets``, as ``keras.datasets``).

Each submodule has a ``load_data()`` with Keras 3's arguments that downloads its files once
into the Keras cache (``~/.keras/datasets/``, shared with Keras) with ``lamina.utils.get_file``,
checks their hashes and returns NumPy arrays. Nothing downloaded is unpickled freely: the
pickled parts (CIFAR batches, IMDB / Reuters sequences) go through an unpickler that rebuilds
numpy arrays and nothing else. Importing this package imports NumPy only.
"""

from lamina.datasets import boston_housing
from lamina.datasets import california_housing
from lamina.datasets import cifar10
from lamina.datasets import cifar100
from lamina.datasets import fashion_mnist
from lamina.datasets import imdb
from lamina.datasets import mnist
from lamina.datasets import reuters

__all__ = [
    "boston_housing",
    "california_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
