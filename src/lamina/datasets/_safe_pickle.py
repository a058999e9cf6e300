"""Reading the pickled parts of downloaded datasets without letting them run code.

Two Keras datasets hold pickles: the CIFAR batches are pickled dicts of arrays, and the
IMDB / Reuters ``.npz`` files store their ragged sequences as object arrays, which numpy
pickles. A plain ``pickle.load`` (or ``np.load(allow_pickle=True)``) would let a tampered
file call any Python function. Here every pickle goes through ``NumpyOnlyUnpickler``,
which resolves only the few numpy names an array needs and refuses everything else.
"""

import io
import pickle
import zipfile

import numpy as np

try:  # numpy >= 2 keeps the array internals in numpy._core
    from numpy._core import multiarray as _multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _multiarray

# The globals a pickled ndarray (of numbers, or of Python lists, ints and bytes) refers to.
# Pickles written by numpy 1.x name ``numpy.core``, those by numpy 2 ``numpy._core``; both
# resolve here to the objects of the numpy installed, so no module is imported by name.
_ALLOWED_GLOBALS = {
    ("numpy", "dtype"): np.dtype,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
}

_DAMAGED = (
    "lamina.datasets could not unpickle {file}: {error}. The file is damaged (a partial "
    "download, or a change at the origin); delete it so that it is downloaded again."
)
_REFUSED_GLOBAL = (
    "lamina.datasets refused to unpickle {file}: it refers to the Python global "
    "'{module}.{name}', and only numpy arrays ({allowed}) may be rebuilt from a downloaded "
    "file. The file is corrupted or was tampered with; delete it so that it is downloaded "
    "again (get_file(..., force_download=True))."
)


class _RefusedGlobal(pickle.UnpicklingError):
    """A pickle named a global outside the allowed list (kept apart from damage errors)."""


class NumpyOnlyUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that rebuilds numpy arrays and plain Python values only.

    Lists, dicts, numbers, strings and bytes load as usual; a reference to any global other
    than the numpy array constructors raises ``pickle.UnpicklingError`` naming it, so no
    function from the file is ever called.

    Args:
        file: a binary file object positioned at the start of the pickle.
        name: how to name the file in errors (its path). Defaults to ``"a pickle"``.
        encoding: how to decode Python 2 ``str`` objects; ``"bytes"`` keeps them as bytes
            (what the CIFAR batches need). Defaults to ``"ASCII"``, as ``np.load``.

    Example:
        >>> NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(np.arange(3), protocol=4))).load()
        array([0, 1, 2])
    """

    def __init__(self, file, name="a pickle", encoding="ASCII"):
        super().__init__(file, encoding=encoding)
        self._name = name

    def find_class(self, module, name):
        """Return the allowed numpy object for ``module.name``; refuse any other global."""
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            allowed = ", ".join(f"{m}.{n}" for m, n in sorted(_ALLOWED_GLOBALS))
            raise _RefusedGlobal(
                _REFUSED_GLOBAL.format(file=self._name, module=module, name=name, allowed=allowed)
            ) from None

    def persistent_load(self, pid):
        """Refuse persistent ids: a dataset pickle has none."""
        raise _RefusedGlobal(f"{self._name} holds a persistent id, which is refused.")


def _unpickle(stream, name, encoding):
    """Load one pickle from ``stream``; any damage becomes an UnpicklingError naming the file."""
    try:
        return NumpyOnlyUnpickler(stream, name=name, encoding=encoding).load()
    except _RefusedGlobal:
        raise
    except Exception as error:
        # A truncated or garbled pickle fails in many ways (EOFError, struct.error, a bad
        # opcode...); one error type with the file's name is what a caller can act on.
        raise pickle.UnpicklingError(_DAMAGED.format(file=name, error=error)) from error


def load_pickle(path, encoding="ASCII"):
    """Unpickle the file at ``path`` with ``NumpyOnlyUnpickler``.

    Args:
        path: the file's path.
        encoding: passed to the unpickler (``"bytes"`` for Python 2 pickles such as CIFAR's).

    Returns:
        The unpickled object.

    Raises:
        pickle.UnpicklingError: the pickle names a refused global, or is damaged (the
            message names the file either way).

    Example:
        >>> batch = load_pickle("cifar-10-batches-py/data_batch_1", encoding="bytes")
    """
    with open(path, "rb") as f:
        return _unpickle(f, repr(str(path)), encoding)


def _read_npy(stream, name):
    """Read one ``.npy`` member; object arrays go through ``NumpyOnlyUnpickler``."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version in ((2, 0), (3, 0)):
        # Version 3 differs from 2 only in allowing UTF-8 field names, which an object
        # array's header never has.
        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"{name} is a .npy file of unknown version {version}.")
    if not dtype.hasobject:
        # Numbers only: numpy's own reader, with pickling switched off altogether.
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    # numpy stores an object array as one pickle of the whole array right after the header.
    array = _unpickle(stream, name, "latin1")
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(
            f"{name} should hold an object array of shape {tuple(shape)} (as its header "
            f"says), but its pickle holds {type(array).__name__} "
            f"{getattr(array, 'shape', '')}. The file is corrupted; delete it to download it "
            "again."
        )
    return array


def load_npz(path):
    """Read every array of a ``.npz`` file, object arrays included, without unsafe pickles.

    A replacement for ``np.load(path, allow_pickle=True)``: numeric arrays are read with
    pickling off, object arrays with ``NumpyOnlyUnpickler``.

    Args:
        path: the ``.npz`` file.

    Returns:
        A dict from array name (``"x_train"``...) to NumPy array.

    Example:
        >>> arrays = load_npz("imdb.npz")
        >>> arrays["x_train"].dtype
        dtype('O')
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.endswith(".npy"):
                continue
            key = member.filename[: -len(".npy")]
            with archive.open(member) as f:
                stream = io.BytesIO(f.read())
            arrays[key] = _read_npy(stream, f"{str(path)!r} (array {key!r})")
    return arrays
