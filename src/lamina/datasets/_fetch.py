"""Where the Keras datasets are downloaded from, and the one call that downloads them.

Each dataset module names its files and their hashes; the download, checksum and cache
logic is ``lamina.utils.get_file``'s.
"""

# Keras 3's mirror of the small datasets (all but CIFAR, which comes from its authors' site).
TF_KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def fetch(fname, origin, file_hash, **kwargs):
    """Download ``origin`` into the Keras cache (once) and return the local path.

    Args:
        fname: the file's name in the cache (the loaders' ``path`` argument).
        origin: the URL.
        file_hash: the expected sha256 or md5 digest, or None to skip the check.
        **kwargs: more ``get_file`` arguments (``cache_subdir``, ``extract``).

    Returns:
        The path ``get_file`` returns.

    Example:
        >>> fetch("mnist.npz", TF_KERAS_DATASETS + "mnist.npz", None)
    """
    # Imported on first use: ``lamina.utils``'s package imports the engine (torch or JAX,
    # through lamina.data), and ``import lamina.datasets`` should stay a NumPy-only import.
    from lamina.utils import file_utils

    return file_utils.get_file(fname=fname, origin=origin, file_hash=file_hash, **kwargs)
